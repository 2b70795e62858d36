import Crypto
import Foundation
import MailStore
import MailStorePostgres
import MailStoreSQLite

/// `hato store migrate --from sqlite --to postgres://...` (docs/scaling.md "Moving a single node to
/// PostgreSQL"): copies every table of the embedded store, as one snapshot, into a PostgreSQL
/// database, ids, UIDs, MODSEQs, UIDVALIDITY and credentials as they are, bodies into the blob
/// store; then reads everything back and compares it row by row (SHA-256 of each row, the body
/// columns holding the SHA-256 of the body file) and hashes every stored body again.
public enum StoreMigration {
    /// Tables in the order their references need (accounts before mailboxes before messages);
    /// a table of a later build not listed here is copied after these.
    static let order = [
        "meta", "domains", "accounts", "aliases", "mailboxes", "subscriptions", "messages", "expunged",
        "queue_messages", "queue_recipients", "dkim_keys", "dmarc_evaluations", "correspondents", "quarantine",
        "greylist", "greylist_senders", "sieve_scripts", "sieve_vacation_replies", "sieve_duplicates",
        "openpgp_certificates", "openpgp_addresses", "smime_certificates", "smime_addresses",
        "dmarc_reports_sent", "dmarc_reports_received", "tls_sessions", "tls_reports_sent", "tls_reports_received",
        "mta_sts_policies", "imap_metadata", "autocrypt_peers", "imap_urlauth_keys",
    ]
    /// SQLite tables that have no PostgreSQL counterpart, and why.
    public static let notCopied: [(table: String, reason: String)] = [
        ("grdb_migrations", "SQLite's own migration record; PostgreSQL records its schema in hato_schema"),
        ("store_format", "the layout of SQLite's body files; on PostgreSQL bodies are blobs"),
        ("message_blobs", "small bodies kept in SQLite itself; each is copied as the blob of the message that names it, as body files are"),
    ]
    /// Tables whose `body_path` names a body file; in PostgreSQL the column is `body_key`, a blob.
    static let bodyTables: Set<String> = ["messages", "queue_messages", "quarantine"]

    public struct Options: Sendable {
        /// Continue a copy into a database an earlier `hato store migrate` wrote to.
        public var resume = false
        /// Rows and body octets per transaction.
        public var batchRows = 200
        public var batchOctets = 32 << 20
        public init(resume: Bool = false) { self.resume = resume }
    }

    struct Plan {
        var table: String
        var sourceColumns: [String]
        var targetColumns: [String]
        var types: [StoreColumnType]
        var bodyIndex: Int?
    }

    /// Opens both stores and runs the copy; `progress` hears one line per table.
    public static func run(sqliteDirectory: URL, url: String, tls: String, password: String?, config: HatoConfig,
                           options: Options, progress: @Sendable (String) -> Void) async throws -> StoreMigrationReport {
        guard FileManager.default.fileExists(atPath: sqliteDirectory.appendingPathComponent("hato.sqlite").path) else {
            throw StoreTransferError("no SQLite store in \(sqliteDirectory.path)")
        }
        guard let mode = PostgresTLSMode(rawValue: tls) else { throw StoreTransferError("--tls is one of disable, prefer, require") }
        let settings: PostgresConnectionSettings
        do { settings = try PostgresConnectionSettings(url: url, password: password, tls: mode) } catch { throw StoreTransferError("\(error)") }
        var sourceConfig = config
        sourceConfig.dataDirectory = sqliteDirectory
        let source = try StoreFactory.openEmbedded(sourceConfig, logger: .init(label: "hato.store"))
        var targetOptions = PostgresMailStore.Options()
        targetOptions.software = "hato \(HatoVersion.string)"
        targetOptions.chunkSize = config.store.chunkSize
        targetOptions.maxConnections = 4
        let target = PostgresMailStore(connection: settings, options: targetOptions)
        do {
            try await target.waitUntilReady()
            let snapshot = try source.exportSnapshot()
            defer { try? snapshot.close() }
            let report = try await copy(from: snapshot, to: target, options: options, progress: progress)
            try await target.close()
            try await source.close()
            return report
        } catch {
            try? await target.close()
            try? await source.close()
            throw error
        }
    }

    static func plan(_ source: [String: [String]], _ target: [String: [String: StoreColumnType]]) throws -> [Plan] {
        let skipped = Set(notCopied.map(\.table))
        let tables = order.filter { source[$0] != nil } + source.keys.filter { !order.contains($0) && !skipped.contains($0) }.sorted()
        return try tables.map { table in
            guard let columns = target[table] else { throw StoreTransferError("table \(table) has no counterpart in PostgreSQL: this build cannot copy it") }
            let sourceColumns = source[table] ?? []
            let targetColumns = sourceColumns.map { bodyTables.contains(table) && $0 == "body_path" ? "body_key" : $0 }
            let types = try targetColumns.map { column in
                guard let type = columns[column] else { throw StoreTransferError("column \(table).\(column) has no counterpart in PostgreSQL") }
                return type
            }
            return Plan(table: table, sourceColumns: sourceColumns, targetColumns: targetColumns, types: types,
                        bodyIndex: bodyTables.contains(table) ? targetColumns.firstIndex(of: "body_key") : nil)
        }
    }

    static func copy(from source: SQLiteStoreSnapshot, to target: PostgresMailStore, options: Options,
                     progress: @Sendable (String) -> Void) async throws -> StoreMigrationReport {
        let plans = try plan(try await source.tables(), try await target.importColumns())
        // Refuse a database that holds anything unless it is an earlier run's partial copy.
        let present = try await target.importRowCounts(plans.map(\.table)).filter { $0.value > 0 }
        let state = try await target.migrationState()
        if !present.isEmpty {
            let tables = present.keys.sorted().map { "\($0) (\(present[$0] ?? 0))" }.joined(separator: ", ")
            guard state != nil else {
                throw StoreTransferError("the PostgreSQL store is not empty (\(tables)) and no migration started it: refusing to write into it")
            }
            guard options.resume else {
                throw StoreTransferError("an earlier hato store migrate wrote to this database (\(tables)): pass --resume to continue it")
            }
        }
        try await target.setMigrationState(1)
        var report = StoreMigrationReport()
        var bodyKeys = Set<String>()
        for plan in plans {
            var digests: [SHA256.Digest: Int] = [:]
            var sourceRows = 0, inserted = 0, after: Int64 = 0
            while true {
                let page = try await source.rows(plan.table, columns: plan.sourceColumns, after: after, limit: options.batchRows)
                guard let last = page.last else { break }
                after = last.0
                var batch: [[StoreValue]] = [], octets = 0
                for (_, row) in page {
                    var values = try row.enumerated().map { index, value in
                        do { return try value.converted(to: plan.types[index]) } catch {
                            throw StoreTransferError("\(plan.table).\(plan.sourceColumns[index]): \(error)")
                        }
                    }
                    var digestRow = values
                    if let index = plan.bodyIndex, case .text(let path) = values[index] {
                        let bytes: [UInt8]
                        do { bytes = try await source.readBody(path) } catch {
                            throw StoreTransferError("\(plan.table): body \(path) cannot be read (\(error)); was it expunged while copying? stop hato serve and run again with --resume")
                        }
                        let key = PostgresBlobStore.key(bytes)
                        if bodyKeys.insert(key).inserted { report.bodies += 1; report.bodyOctets += bytes.count }
                        values[index] = .blob(bytes)
                        digestRow[index] = .text(key)
                        octets += bytes.count
                    }
                    digests[SHA256.hash(data: StoreValue.canonical(digestRow)), default: 0] += 1
                    batch.append(values)
                    sourceRows += 1
                    if octets >= options.batchOctets {
                        inserted += try await target.importRows(plan.table, columns: plan.targetColumns, types: plan.types, rows: batch, bodyColumn: "body_key")
                        batch = []; octets = 0
                    }
                }
                inserted += try await target.importRows(plan.table, columns: plan.targetColumns, types: plan.types, rows: batch, bodyColumn: "body_key")
            }
            report.tables.append(.init(table: plan.table, sourceRows: sourceRows, inserted: inserted))
            report.sourceDigests[plan.table] = digests
            progress("copied \(plan.table): \(sourceRows) row(s), \(inserted) new")
        }
        try await target.finishImport(plans.map(\.table))
        try await verify(plans, target: target, report: &report, progress: progress)
        if report.verified { try await target.setMigrationState(2) }
        return report
    }

    /// Reads every copied table back and compares it with the source, row by row; hashes every body.
    static func verify(_ plans: [Plan], target: PostgresMailStore, report: inout StoreMigrationReport,
                       progress: @Sendable (String) -> Void) async throws {
        for (index, plan) in plans.enumerated() {
            var remaining = report.sourceDigests[plan.table] ?? [:]
            var extra = 0
            for digest in try await target.rowDigests(plan.table, columns: plan.targetColumns, types: plan.types) {
                if let count = remaining[digest] {
                    remaining[digest] = count > 1 ? count - 1 : nil
                } else {
                    extra += 1
                }
            }
            report.tables[index].missing = remaining.values.reduce(0, +)
            report.tables[index].extra = extra
            report.tables[index].targetRows = report.tables[index].sourceRows - report.tables[index].missing + extra
        }
        progress("verifying stored bodies")
        let blobs = try await target.verifyBlobs()
        report.storedBodies = blobs.count
        report.blobProblems = blobs.problems.map(\.description)
        report.sourceDigests = [:]
    }
}
