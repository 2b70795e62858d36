import Crypto
import Foundation
import MailStore
import NIOCore
import PostgresNIO

/// The target side of `hato store migrate` (docs/scaling.md "Moving a single node to
/// PostgreSQL"): rows written as they are, ids included, so every reference between tables, every
/// UID, MODSEQ and UIDVALIDITY stays what it was; bodies into the blob store.
extension PostgresMailStore {
    /// The key in `meta` that marks a database `hato store migrate` is filling (1) or has filled
    /// and verified (2). Left out of the copy's verification: the source has no such row.
    public static let migrationMarker = "migrated_from_sqlite"

    /// Every table of the schema with its columns and their types (the transfer's view of them).
    public func importColumns() async throws -> [String: [String: StoreColumnType]] {
        let rows = try await read { db in
            try await db.all("""
                SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns
                WHERE table_schema = current_schema()
                """).map { try $0.decode((String, String, String).self) }
        }
        var tables: [String: [String: StoreColumnType]] = [:]
        for (table, column, type) in rows {
            tables[table, default: [:]][column] = switch type {
            case "bigint", "integer", "smallint": .integer
            case "boolean": .boolean
            case "double precision", "real", "numeric": .real
            case "bytea": .blob
            default: .text
            }
        }
        return tables
    }

    /// Rows of user data already in the database, per table (those `hato store migrate` copies into).
    public func importRowCounts(_ tables: [String]) async throws -> [String: Int] {
        try Self.checkIdentifiers(tables)
        return try await read { db in
            var counts: [String: Int] = [:]
            for table in tables {
                let filter = table == "meta" ? " WHERE key NOT IN ('uid_validity', '\(Self.migrationMarker)')" : ""
                counts[table] = try await db.value(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \"\(table)\"\(filter)"), as: Int.self) ?? 0
            }
            return counts
        }
    }

    /// The migration marker's value: nil when no migration wrote into this database.
    public func migrationState() async throws -> Int64? {
        try await read { db in try await db.value("SELECT value FROM meta WHERE key = \(Self.migrationMarker)", as: Int64.self) }
    }

    public func setMigrationState(_ state: Int64) async throws {
        try await transaction { db in
            try await db.run("""
                INSERT INTO meta (key, value) VALUES (\(Self.migrationMarker), \(state))
                ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
                """)
        }
    }

    /// Inserts `rows` (values typed as `types` says) into `table` in one transaction; a row whose
    /// key is there already is left as it is (a resumed copy). `bodyColumn` names the column whose
    /// value is a body's octets: they go to the blob store and the column gets the blob's key.
    /// `meta` keeps the larger of two values, so the UIDVALIDITY counter never goes down.
    /// Returns how many rows were inserted.
    public func importRows(_ table: String, columns: [String], types: [StoreColumnType], rows: [[StoreValue]],
                           bodyColumn: String? = nil) async throws -> Int {
        try Self.checkIdentifiers([table] + columns)
        guard !rows.isEmpty else { return 0 }
        let blobs = self.blobs
        let bodyIndex = bodyColumn.flatMap { columns.firstIndex(of: $0) }
        let conflict = table == "meta" ? "ON CONFLICT (key) DO UPDATE SET value = GREATEST(meta.value, EXCLUDED.value)" : "ON CONFLICT DO NOTHING"
        let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
        return try await transaction { db in
            var inserted = 0
            // PostgreSQL takes at most 65535 parameters per statement.
            let perStatement = max(1, min(500, 60_000 / max(1, columns.count)))
            for start in stride(from: 0, to: rows.count, by: perStatement) {
                var bindings = PostgresBindings()
                var tuples: [String] = []
                for row in rows[start..<min(rows.count, start + perStatement)] {
                    var placeholders: [String] = []
                    for (index, value) in row.enumerated() {
                        if index == bodyIndex, case .blob(let bytes) = value {
                            bindings.append(try await blobs.put(bytes, on: db).path)
                        } else {
                            try Self.bind(value, as: types[index], into: &bindings)
                        }
                        placeholders.append("$\(bindings.count)")
                    }
                    tuples.append("(" + placeholders.joined(separator: ", ") + ")")
                }
                inserted += try await db.run(PostgresQuery(unsafeSQL: """
                    INSERT INTO "\(table)" (\(list)) VALUES \(tuples.joined(separator: ", ")) \(conflict) RETURNING 1
                    """, binds: bindings))
            }
            return inserted
        }
    }

    /// Moves each id sequence past the largest id copied, so new rows get new ids.
    public func finishImport(_ tables: [String]) async throws {
        try Self.checkIdentifiers(tables)
        try await transaction { db in
            for table in tables {
                guard try await db.exists("SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = \(table) AND column_name = 'id' AND column_default LIKE 'nextval%'") else { continue }
                try await db.run(PostgresQuery(unsafeSQL: """
                    SELECT setval(pg_get_serial_sequence('"\(table)"', 'id'), GREATEST(COALESCE(MAX(id), 0), 1), MAX(id) IS NOT NULL) FROM "\(table)"
                    """))
            }
        }
    }

    /// One SHA-256 per row of `table` over `columns` (StoreValue.canonical, booleans as 0 and 1):
    /// what the migration compares with the source's rows. The migration marker is left out.
    public func rowDigests(_ table: String, columns: [String], types: [StoreColumnType]) async throws -> [SHA256.Digest] {
        try Self.checkIdentifiers([table] + columns)
        let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
        let filter = table == "meta" ? " WHERE key <> '\(Self.migrationMarker)'" : ""
        return try await read { db in
            var digests: [SHA256.Digest] = []
            let rows = try await db.query(PostgresQuery(unsafeSQL: "SELECT \(list) FROM \"\(table)\"\(filter)"), logger: SQL.logger)
            for try await row in rows {
                let cells = row.makeRandomAccess()
                var values: [StoreValue] = []
                values.reserveCapacity(columns.count)
                for index in columns.indices { values.append(try Self.value(cells[index], as: types[index])) }
                digests.append(SHA256.hash(data: StoreValue.canonical(values)))
            }
            return digests
        }
    }

    static func bind(_ value: StoreValue, as type: StoreColumnType, into bindings: inout PostgresBindings) throws {
        switch try value.converted(to: type) {
        case .null: bindings.appendNull()
        case .integer(let number): if type == .boolean { bindings.append(number != 0) } else { bindings.append(number) }
        case .real(let number): bindings.append(number)
        case .text(let text): bindings.append(text)
        case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
        }
    }

    static func value(_ cell: PostgresCell, as type: StoreColumnType) throws -> StoreValue {
        guard cell.bytes != nil else { return .null }
        return switch type {
        case .integer: .integer(try cell.decode(Int64.self))
        case .boolean: .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .real: .real(try cell.decode(Double.self))
        case .text: .text(try cell.decode(String.self))
        case .blob: .blob(Array(try cell.decode(ByteBuffer.self).readableBytesView))
        }
    }

    static func checkIdentifiers(_ names: [String]) throws {
        for name in names where name.isEmpty || !name.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) }) {
            throw StoreTransferError("not a table or column name: \(name)")
        }
    }
}
