import Foundation
import MailCore
import MailStore
import PostgresNIO

extension PostgresMailStore {
    public func addDKIMKey(_ key: StoredDKIMKey) async throws {
        try await transaction { db in
            guard try await !db.exists("SELECT 1 FROM dkim_keys WHERE domain = \(key.domain.name) AND selector = \(key.selector)") else {
                throw MailStoreError.dkimKeyExists(key.domain.name, selector: key.selector)
            }
            try await db.run("""
                INSERT INTO dkim_keys (domain, selector, algorithm, private_key, created_at, active)
                VALUES (\(key.domain.name), \(key.selector), \(key.algorithm.rawValue), \(key.privateKeyPEM),
                        \(key.created.timeIntervalSince1970), \(key.active))
                """)
        }
    }

    public func dkimKeys(domain: Domain?) async throws -> [StoredDKIMKey] {
        try await read { db in
            let rows = if let domain {
                try await db.all("""
                    SELECT domain, selector, algorithm, private_key, created_at, active FROM dkim_keys WHERE domain = \(domain.name)
                    ORDER BY created_at DESC, selector COLLATE "C"
                    """)
            } else {
                try await db.all("""
                    SELECT domain, selector, algorithm, private_key, created_at, active FROM dkim_keys
                    ORDER BY domain COLLATE "C", created_at DESC, selector COLLATE "C"
                    """)
            }
            return try rows.map { row in
                let (domain, selector, algorithmName, pem, created, active) = try row.decode((String, String, String, String, Double, Bool).self)
                guard let algorithm = DKIMKeyAlgorithm(rawValue: algorithmName) else {
                    throw MailStoreError.io("unknown DKIM key algorithm \(algorithmName)")
                }
                return StoredDKIMKey(domain: try Domain(domain), selector: selector, algorithm: algorithm, privateKeyPEM: pem,
                                     created: Date(timeIntervalSince1970: created), active: active)
            }
        }
    }

    public func activateDKIMSelectors(_ selectors: [String], domain: Domain) async throws {
        try await transaction { db in
            for selector in selectors {
                guard try await db.exists("SELECT 1 FROM dkim_keys WHERE domain = \(domain.name) AND selector = \(selector)") else {
                    throw MailStoreError.dkimKeyNotFound(domain.name, selector: selector)
                }
            }
            try await db.run("UPDATE dkim_keys SET active = (selector = ANY(\(selectors))) WHERE domain = \(domain.name)")
        }
    }

    public func removeDKIMKey(domain: Domain, selector: String) async throws {
        try await transaction { db in
            let removed = try await db.run("DELETE FROM dkim_keys WHERE domain = \(domain.name) AND selector = \(selector) RETURNING 1")
            guard removed > 0 else { throw MailStoreError.dkimKeyNotFound(domain.name, selector: selector) }
        }
    }

    // MARK: DMARC evaluations (RFC 9990 aggregate report rows)

    @discardableResult
    public func recordDMARCEvaluation(_ record: DMARCEvaluationRecord) async throws -> DMARCEvaluationRecord {
        let envelopeTo = try SQL.json(record.envelopeTo), policy = try record.policy.map(SQL.json)
        let dkim = try SQL.json(record.dkim), uris = try SQL.json(record.reportURIs)
        let id = try await transaction { db -> Int64 in
            guard let id = try await db.value("""
                INSERT INTO dmarc_evaluations (evaluated_at, source_ip, header_from, envelope_from, envelope_to, result, disposition,
                    policy_override, override_comment, policy, evaluated_policy, dkim_aligned, spf_aligned, dkim, spf_domain,
                    spf_result, report_uris)
                VALUES (\(record.evaluatedAt.timeIntervalSince1970), \(record.sourceIP), \(record.headerFrom), \(record.envelopeFrom),
                    \(envelopeTo), \(record.result), \(record.disposition), \(record.policyOverride), \(record.overrideComment), \(policy),
                    \(record.evaluatedPolicy), \(record.dkimAligned), \(record.spfAligned), \(dkim), \(record.spfDomain),
                    \(record.spfResult), \(uris))
                RETURNING id
                """, as: Int64.self) else { throw MailStoreError.io("evaluation insert returned nothing") }
            return id
        }
        var stored = record
        stored.id = id
        return stored
    }

    static let evaluationColumns = """
        id, evaluated_at, source_ip, header_from, envelope_from, envelope_to, result, disposition, policy_override, override_comment,
        policy, evaluated_policy, dkim_aligned, spf_aligned, dkim, spf_domain, spf_result, report_uris
        """

    public func dmarcEvaluations(from: Date, to: Date, headerFrom: String?) async throws -> [DMARCEvaluationRecord] {
        let begin = from.timeIntervalSince1970, end = to.timeIntervalSince1970
        return try await read { db in
            let rows = if let headerFrom {
                try await db.all("""
                    SELECT \(unescaped: Self.evaluationColumns) FROM dmarc_evaluations WHERE evaluated_at >= \(begin) AND evaluated_at < \(end)
                    AND header_from = \(headerFrom.lowercased()) ORDER BY evaluated_at, id
                    """)
            } else {
                try await db.all("""
                    SELECT \(unescaped: Self.evaluationColumns) FROM dmarc_evaluations WHERE evaluated_at >= \(begin) AND evaluated_at < \(end)
                    ORDER BY evaluated_at, id
                    """)
            }
            return try rows.map(Self.evaluation)
        }
    }

    public func dmarcPassCount(headerFrom: String, from: Date, to: Date) async throws -> DMARCPassCount {
        let begin = from.timeIntervalSince1970, end = to.timeIntervalSince1970
        return try await read { db in
            let rows = try await db.all("""
                SELECT COUNT(*), COUNT(*) FILTER (WHERE result = 'pass') FROM dmarc_evaluations
                WHERE header_from = \(headerFrom.lowercased()) AND evaluated_at >= \(begin) AND evaluated_at < \(end)
                """)
            guard let row = rows.first else { return DMARCPassCount(evaluations: 0, passes: 0) }
            let (evaluations, passes) = try row.decode((Int, Int).self)
            return DMARCPassCount(evaluations: evaluations, passes: passes)
        }
    }

    static func evaluation(_ row: PostgresRow) throws -> DMARCEvaluationRecord {
        let (id, at, ip, headerFrom, envelopeFrom, envelopeTo, result, disposition, override, comment) =
            try row.decode((Int64, Double, String, String, String?, String, String, String, String?, String?).self)
        let random = row.makeRandomAccess()
        let policy = try random[10].decode(String?.self), evaluated = try random[11].decode(String.self)
        let dkimAligned = try random[12].decode(Bool.self), spfAligned = try random[13].decode(Bool.self)
        let dkim = try random[14].decode(String.self), spfDomain = try random[15].decode(String?.self)
        let spfResult = try random[16].decode(String.self), uris = try random[17].decode(String.self)
        return DMARCEvaluationRecord(
            id: id, evaluatedAt: Date(timeIntervalSince1970: at), sourceIP: ip, headerFrom: headerFrom, envelopeFrom: envelopeFrom,
            envelopeTo: try SQL.decode([String].self, envelopeTo), result: result, disposition: disposition, policyOverride: override,
            overrideComment: comment, policy: try policy.map { try SQL.decode(DMARCEvaluationRecord.PublishedPolicy.self, $0) },
            evaluatedPolicy: evaluated, dkimAligned: dkimAligned, spfAligned: spfAligned,
            dkim: try SQL.decode([DMARCEvaluationRecord.DKIMResult].self, dkim), spfDomain: spfDomain, spfResult: spfResult,
            reportURIs: try SQL.decode([String].self, uris))
    }
}
