import GRDB

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
