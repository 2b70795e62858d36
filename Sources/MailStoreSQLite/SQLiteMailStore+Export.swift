import Foundation
import GRDB
import MailStore

/// What `hato store migrate` reads (docs/scaling.md): every table of the store as it was at one
/// instant. The snapshot is a read transaction of its own (WAL), so a running `hato serve` may go
/// on writing: the copy sees none of it, and the store it reads never changes under it.
public final class SQLiteStoreSnapshot: Sendable {
    let snapshot: DatabaseSnapshot
    let bodies: BodyFileStore

    init(snapshot: DatabaseSnapshot, bodies: BodyFileStore) {
        self.snapshot = snapshot
        self.bodies = bodies
    }

    /// Every table with its columns in declaration order, SQLite's own tables left out.
    public func tables() async throws -> [String: [String]] {
        try await snapshot.read { db in
            let names = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            var tables: [String: [String]] = [:]
            for name in names {
                tables[name] = try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?) ORDER BY cid", arguments: [name])
                    .map { $0["name"] as String }
            }
            return tables
        }
    }

    /// Up to `limit` rows of `table` after `rowid`, in rowid order, with the rowid of each.
    /// `table` and `columns` must be names `tables()` returned.
    public func rows(_ table: String, columns: [String], after rowid: Int64, limit: Int) async throws -> [(Int64, [StoreValue])] {
        guard Self.isIdentifier(table), columns.allSatisfy(Self.isIdentifier) else {
            throw StoreTransferError("not a table or column name: \(table) \(columns)")
        }
        let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
        let rows: [[StoreValue]] = try await snapshot.read { db in
            try Row.fetchAll(db, sql: "SELECT rowid, \(list) FROM \"\(table)\" WHERE rowid > ? ORDER BY rowid LIMIT ?",
                             arguments: [rowid, limit]).map { row in
                (0..<row.count).map { Self.value(row[$0] as DatabaseValue) }
            }
        }
        return rows.map { values in
            guard case .integer(let id) = values[0] else { return (0, []) }
            return (id, Array(values.dropFirst()))
        }
    }

    /// The bytes of a body (`body_path` of a message, queue entry or quarantined message): a
    /// file, or an inline body as the snapshot holds it (`InlineBodies`).
    public func readBody(_ path: String) async throws -> [UInt8] {
        guard !InlineBodies.isInline(path) else {
            guard let bytes = try await snapshot.read({ db in try InlineBodies.read([path], db)[path] }) else {
                throw MailStoreError.bodyMissing(path)
            }
            return bytes
        }
        let bodies = self.bodies
        return try await BlockingIO.run { try bodies.read(BodyReference(path: path)) }
    }

    /// Ends the read transaction (the server's checkpoints may then move past it).
    public func close() throws {
        try snapshot.close()
    }

    static func value(_ value: DatabaseValue) -> StoreValue {
        switch value.storage {
        case .null: .null
        case .int64(let number): .integer(number)
        case .double(let number): .real(number)
        case .string(let text): .text(text)
        case .blob(let data): .blob(Array(data))
        }
    }

    static func isIdentifier(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) }
    }
}

extension SQLiteMailStore {
    /// A consistent read-only view of the whole store for `hato store migrate`.
    public func exportSnapshot() throws -> SQLiteStoreSnapshot {
        SQLiteStoreSnapshot(snapshot: try pool.makeSnapshot(), bodies: bodies)
    }
}
