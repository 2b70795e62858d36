import Foundation
import GRDB
import MailStore

extension SQLiteMailStore {
    @discardableResult
    public func recordDMARCEvaluation(_ record: DMARCEvaluationRecord) async throws -> DMARCEvaluationRecord {
        // In the next group commit (`WriteBatcher`): a transaction of its own per message cost a
        // WAL fsync each (docs/PERFORMANCE.md).
        let insert = try Self.evaluationInsert(record)
        let id = try await batchedWrite { db in try insert(db) }
        var stored = record
        stored.id = id
        return stored
    }

    /// Every message on the MX listener records one: it rides the transaction of the delivery
    /// that follows it (`WriteBatcher.submitDeferred`), and is durable when that is acknowledged.
    public func recordDMARCEvaluationDeferred(_ record: DMARCEvaluationRecord) async throws {
        let insert = try Self.evaluationInsert(record)
        let logger = self.logger
        batcher.submitDeferred(WriteBatcher.Job(bodies: [], durable: false, work: { db in try insert(db) }, onFailure: { error in
            logger.warning("could not record the DMARC evaluation", metadata: ["error": "\(error)"])
        }))
    }

    /// The row's INSERT, its JSON columns encoded before the write lock is taken.
    private static func evaluationInsert(_ record: DMARCEvaluationRecord) throws -> @Sendable (Database) throws -> Int64 {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        func json<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        let arguments: StatementArguments = [
            record.evaluatedAt.timeIntervalSince1970, record.sourceIP, record.headerFrom, record.envelopeFrom,
            try json(record.envelopeTo), record.result, record.disposition, record.policyOverride, record.overrideComment,
            try record.policy.map(json), record.evaluatedPolicy, record.dkimAligned, record.spfAligned, try json(record.dkim),
            record.spfDomain, record.spfResult, try json(record.reportURIs),
        ]
        return { db in
            try db.cachedStatement(sql: """
                INSERT INTO dmarc_evaluations (evaluated_at, source_ip, header_from, envelope_from, envelope_to, result, disposition,
                    policy_override, override_comment, policy, evaluated_policy, dkim_aligned, spf_aligned, dkim, spf_domain,
                    spf_result, report_uris)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: arguments)
            return db.lastInsertedRowID
        }
    }

    public func dmarcEvaluations(from: Date, to: Date, headerFrom: String?) async throws -> [DMARCEvaluationRecord] {
        await batcher.settle()  // deferred evaluations included (reports, and a message refused a moment ago)
        // Rows become values inside the closure so that GRDB's async `read` is used (`Row` is
        // not Sendable; see SQLiteMailStore+Risk.swift).
        return try await reads.readInOneHop { db in
            let rows = if let headerFrom {
                try Row.fetchAll(db, sql: """
                    SELECT * FROM dmarc_evaluations WHERE evaluated_at >= ? AND evaluated_at < ? AND header_from = ? ORDER BY evaluated_at, id
                    """, arguments: [from.timeIntervalSince1970, to.timeIntervalSince1970, headerFrom.lowercased()])
            } else {
                try Row.fetchAll(db, sql: "SELECT * FROM dmarc_evaluations WHERE evaluated_at >= ? AND evaluated_at < ? ORDER BY evaluated_at, id",
                                 arguments: [from.timeIntervalSince1970, to.timeIntervalSince1970])
            }
            return try rows.map(Self.dmarcEvaluation)
        }
    }

    public func dmarcPassCount(headerFrom: String, from: Date, to: Date) async throws -> DMARCPassCount {
        try await reads.readInOneHop { db in
            let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT COUNT(*), COALESCE(SUM(result = 'pass'), 0) FROM dmarc_evaluations
                WHERE header_from = ? AND evaluated_at >= ? AND evaluated_at < ?
                """), arguments: [headerFrom.lowercased(), from.timeIntervalSince1970, to.timeIntervalSince1970])
            return DMARCPassCount(evaluations: row?[0] ?? 0, passes: row?[1] ?? 0)
        }
    }

    static func dmarcEvaluation(_ row: Row) throws -> DMARCEvaluationRecord {
        let decoder = JSONDecoder()
        func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T { try decoder.decode(type, from: Data(text.utf8)) }
        return DMARCEvaluationRecord(
            id: row["id"], evaluatedAt: Date(timeIntervalSince1970: row["evaluated_at"]), sourceIP: row["source_ip"],
            headerFrom: row["header_from"], envelopeFrom: row["envelope_from"], envelopeTo: try decode([String].self, row["envelope_to"]),
            result: row["result"], disposition: row["disposition"], policyOverride: row["policy_override"],
            overrideComment: row["override_comment"],
            policy: try (row["policy"] as String?).map { try decode(DMARCEvaluationRecord.PublishedPolicy.self, $0) },
            evaluatedPolicy: row["evaluated_policy"], dkimAligned: row["dkim_aligned"], spfAligned: row["spf_aligned"],
            dkim: try decode([DMARCEvaluationRecord.DKIMResult].self, row["dkim"]), spfDomain: row["spf_domain"],
            spfResult: row["spf_result"], reportURIs: try decode([String].self, row["report_uris"]))
    }
}
