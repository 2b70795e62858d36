import Foundation
import GRDBSQLite

/// Reads a store's format (applied migrations, `store_format` rows) without writing anything:
/// not the database, and not even the `-wal` and `-shm` files a connection would create.
///
/// GRDB's `DatabasePool` writes as it opens (it creates and drops a table to make the WAL file
/// exist), and a read-only connection to a WAL database leaves `-wal` and `-shm` behind, so the
/// check runs on a bare SQLite connection: `immutable=1` when no other connection has a WAL
/// (everything is in the main file), read-only through the existing WAL otherwise (SQLite URI
/// parameters, https://sqlite.org/uri.html).
enum StoreFormatReader {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// nil when there is no database yet.
    static func read(_ path: String) throws -> StoreFormat.Found? {
        let files = FileManager.default
        guard files.fileExists(atPath: path) else { return nil }
        let walSize = (try? files.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        let live = walSize > 0 && files.fileExists(atPath: path + "-shm")
        var uri = URLComponents()
        uri.scheme = "file"
        uri.path = path
        uri.queryItems = [URLQueryItem(name: "mode", value: "ro")] + (live ? [] : [URLQueryItem(name: "immutable", value: "1")])
        var handle: OpaquePointer?
        defer { sqlite3_close_v2(handle) }
        guard let name = uri.string, sqlite3_open_v2(name, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nil) == SQLITE_OK else {
            throw Failure(description: "cannot read \(path): \(handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory")")
        }
        sqlite3_busy_timeout(handle, 10_000)
        let tables = Set(try rows(handle, "SELECT name FROM sqlite_master WHERE type = 'table'", path).map { $0[0] })
        var found = StoreFormat.Found(migrations: [], recorded: [:])
        if tables.contains("grdb_migrations") {
            found.migrations = try rows(handle, "SELECT identifier FROM grdb_migrations ORDER BY rowid", path).map { $0[0] }
        }
        if tables.contains("store_format") {
            for row in try rows(handle, "SELECT key, value FROM store_format", path) where row.count == 2 {
                found.recorded[row[0]] = row[1]
            }
        }
        return found
    }

    /// Every row of a query, each column as text.
    private static func rows(_ handle: OpaquePointer?, _ sql: String, _ path: String) throws -> [[String]] {
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK else {
            throw Failure(description: "cannot read \(path): \(String(cString: sqlite3_errmsg(handle)))")
        }
        var result: [[String]] = []
        while true {
            switch sqlite3_step(statement) {
            case SQLITE_ROW:
                result.append((0..<sqlite3_column_count(statement)).map { column in
                    sqlite3_column_text(statement, column).map { String(cString: $0) } ?? ""
                })
            case SQLITE_DONE:
                return result
            default:
                throw Failure(description: "cannot read \(path): \(String(cString: sqlite3_errmsg(handle)))")
            }
        }
    }
}
