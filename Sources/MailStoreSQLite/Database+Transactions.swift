import GRDB
import GRDBSQLite

/// The group commit's transaction and savepoints (`WriteBatcher`) on cached statements.
///
/// GRDB's `write`, `inTransaction` and `inSavepoint` run `BEGIN IMMEDIATE TRANSACTION`,
/// `COMMIT TRANSACTION`, `SAVEPOINT grdb` and `RELEASE SAVEPOINT grdb` through
/// `execute(sql:)`, which parses and plans them on every call (about 6,500 instructions each
/// with GRDB's authorizer; a STORE took four, an APPEND six: callgrind, docs/PERFORMANCE.md,
/// issue 24). The same statements from the connection's statement cache do the same work.
/// The semantics are those of GRDB's: an immediate transaction (https://sqlite.org/lang_transaction.html),
/// a savepoint rolled back and released when its work throws (https://sqlite.org/lang_savepoint.html).
extension Database {
    /// Runs `work` in `BEGIN IMMEDIATE` … `COMMIT`; rolls back when `work` or the commit throws.
    func inCachedImmediateTransaction<T>(_ work: () throws -> T) throws -> T {
        try cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
        do {
            let value = try work()
            try cachedStatement(sql: "COMMIT TRANSACTION").execute()
            return value
        } catch {
            // SQLite may have rolled back already (SQLITE_FULL, SQLITE_IOERR, ...): then there is
            // nothing to roll back (https://sqlite.org/c3ref/get_autocommit.html).
            if sqlite3_get_autocommit(sqliteConnection) == 0 {
                try? cachedStatement(sql: "ROLLBACK TRANSACTION").execute()
            }
            throw error
        }
    }

    /// Runs `work` in a savepoint inside the open transaction. Its failure is returned, with
    /// the savepoint rolled back and released, so the rest of the transaction goes on; throws
    /// only when the transaction itself is gone (SQLite rolled it back on an error such as a
    /// full disk), where going on would run the next writes outside any transaction.
    func inCachedSavepoint<T>(_ work: () throws -> T) throws -> Result<T, any Error> {
        try cachedStatement(sql: "SAVEPOINT hato").execute()
        do {
            let value = try work()
            try cachedStatement(sql: "RELEASE SAVEPOINT hato").execute()
            return .success(value)
        } catch {
            guard sqlite3_get_autocommit(sqliteConnection) == 0 else { throw error }
            // The innermost savepoint of that name (https://sqlite.org/lang_savepoint.html):
            // ROLLBACK TO keeps it open, RELEASE then removes it from the stack.
            try cachedStatement(sql: "ROLLBACK TRANSACTION TO SAVEPOINT hato").execute()
            try cachedStatement(sql: "RELEASE SAVEPOINT hato").execute()
            return .failure(error)
        }
    }

    /// Runs `work` in a read transaction (`BEGIN DEFERRED` … `COMMIT`: one snapshot for all
    /// its statements), for a connection from `unsafeRead`; GRDB's `read` does the same with
    /// statements it prepares anew on every call.
    func inCachedReadTransaction<T>(_ work: () throws -> T) throws -> T {
        try cachedStatement(sql: "BEGIN DEFERRED TRANSACTION").execute()
        defer {
            // A read transaction has nothing to keep: COMMIT only ends it (and frees its snapshot).
            if sqlite3_get_autocommit(sqliteConnection) == 0 { try? cachedStatement(sql: "COMMIT TRANSACTION").execute() }
        }
        return try work()
    }
}
