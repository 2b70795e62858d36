import Foundation
import GRDB
import GRDBSQLite

/// Statements of the hot paths (IMAP SELECT, FETCH, STORE, EXPUNGE; the directory lookups of
/// every SMTP RCPT and login), prepared once per connection and reused from GRDB's statement cache.
///
/// A fresh `Row.fetchOne(db, sql:)` or `db.execute(sql:)` parses and plans its SQL every time,
/// and GRDB's authorizer runs for every column while it does: in a callgrind profile of the
/// persistent IMAP loop (docs/PERFORMANCE.md, 2026-12-06, issue 24) statement preparation was
/// a quarter of the server's instructions. A cached statement is reset and rebound instead.
/// Only for SQL that is a constant string: the cache is keyed by the text.
extension Database {
    func cachedRow(_ sql: String, _ arguments: StatementArguments) throws -> Row? {
        try Row.fetchOne(cachedStatement(sql: sql), arguments: arguments)
    }

    func cachedRows(_ sql: String, _ arguments: StatementArguments) throws -> [Row] {
        try Row.fetchAll(cachedStatement(sql: sql), arguments: arguments)
    }

    func cachedValue<Value: DatabaseValueConvertible & StatementColumnConvertible>(
        _ type: Value.Type, _ sql: String, _ arguments: StatementArguments
    ) throws -> Value? {
        try Value.fetchOne(cachedStatement(sql: sql), arguments: arguments)
    }

    func cachedExecute(_ sql: String, _ arguments: StatementArguments) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}

/// The current row of a stepped statement, read with SQLite's own column calls: what GRDB's
/// `Row.fetchOne` costs besides the step (a row cursor, its column names lowercased, a copied
/// row) was about 13,000 instructions per single-row read, eight of them in a round of the
/// persistent IMAP loop (callgrind, docs/PERFORMANCE.md 2026-12-06 night). Conversions as GRDB
/// makes them for these column types: integers and reals by `sqlite3_column_int64`/`_double`
/// (which convert between the two as GRDB's `Double`/`Int64` decoding does), text by
/// `String(cString:)`, blobs as `Data` (text read as its bytes, as GRDB's `Data` decoding does).
struct RawRow {
    let handle: OpaquePointer

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    func text(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        return String(cString: text)
    }
    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }
    func optionalDouble(_ column: Int32) -> Double? { isNull(column) ? nil : double(column) }
    func data(_ column: Int32) -> Data? {
        guard !isNull(column) else { return nil }
        // sqlite3_column_blob before sqlite3_column_bytes (https://sqlite.org/c3ref/column_blob.html).
        guard let bytes = sqlite3_column_blob(handle, column) else { return Data() }
        return Data(bytes: bytes, count: Int(sqlite3_column_bytes(handle, column)))
    }
    /// A blob's octets copied once, straight into an array (a message body, `InlineBodies`).
    func bytes(_ column: Int32) -> [UInt8] {
        guard let bytes = sqlite3_column_blob(handle, column) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column))))
    }
}

extension Database {
    /// The first row of a cached statement through `read`, or nil when there is none. The
    /// statement is reset afterwards (no read lock kept by a finished statement).
    func cachedFirst<T>(_ sql: String, _ arguments: StatementArguments, _ read: (RawRow) throws -> T) throws -> T? {
        let statement = try cachedStatement(sql: sql)
        statement.setUncheckedArguments(arguments)  // resets the statement and binds
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        let code = sqlite3_step(handle)
        if code == SQLITE_DONE { return nil }
        guard code == SQLITE_ROW else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: sqliteConnection.map { String(cString: sqlite3_errmsg($0)) })
        }
        return try read(RawRow(handle: handle))
    }

    /// `cachedFirst` with two integers bound straight to the statement: GRDB's
    /// `StatementArguments` (an array of boxed values, each converted on binding) cost about
    /// 3,000 instructions per read of a message row by (mailbox, UID), issue 24.
    func cachedFirst<T>(_ sql: String, _ first: Int64, _ second: Int64, _ read: (RawRow) throws -> T) throws -> T? {
        let handle = try cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(handle)
        sqlite3_bind_int64(handle, 1, first)
        sqlite3_bind_int64(handle, 2, second)
        return try stepFirst(handle, read)
    }

    /// `cachedFirst` with one text bound straight to the statement (SQLite copies it).
    func cachedFirst<T>(_ sql: String, text: String, _ read: (RawRow) throws -> T) throws -> T? {
        let handle = try cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(handle)
        var text = text
        let code = text.withUTF8 { utf8 in
            sqlite3_bind_text(handle, 1, UnsafeRawPointer(utf8.baseAddress ?? UnsafePointer(bitPattern: 1)!)
                .assumingMemoryBound(to: CChar.self), Int32(utf8.count), Self.transient)
        }
        guard code == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: sqliteConnection.map { String(cString: sqlite3_errmsg($0)) })
        }
        return try stepFirst(handle, read)
    }

    /// SQLite's SQLITE_TRANSIENT: the bound value is copied before the call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private func stepFirst<T>(_ handle: OpaquePointer, _ read: (RawRow) throws -> T) throws -> T? {
        defer { sqlite3_reset(handle) }
        let code = sqlite3_step(handle)
        if code == SQLITE_DONE { return nil }
        guard code == SQLITE_ROW else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: sqliteConnection.map { String(cString: sqlite3_errmsg($0)) })
        }
        return try read(RawRow(handle: handle))
    }

    /// Every row of a cached statement through `read`, in order; reset afterwards.
    func cachedAll<T>(_ sql: String, _ arguments: StatementArguments, _ read: (RawRow) throws -> T) throws -> [T] {
        let statement = try cachedStatement(sql: sql)
        statement.setUncheckedArguments(arguments)
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        var rows: [T] = []
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return rows }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: sqliteConnection.map { String(cString: sqlite3_errmsg($0)) })
            }
            rows.append(try read(RawRow(handle: handle)))
        }
    }
}
