import Foundation
import GRDB
import MailCore
import MailStore

/// Bodies of delivered and appended messages up to `store.inline_body_max` octets, kept in the
/// database (`message_blobs`) instead of a file of their own (issue 24, docs/storage.md).
///
/// Why: a body file costs a create, a write, an fsync of the file, a rename, an fsync of its
/// directory, and later an unlink; the row that names it is committed after all that, with a WAL
/// flush of its own. A small body written in the same transaction as its row costs none of that:
/// one WAL flush carries both, with the same durability (`synchronous = FULL`), and FETCH reads it
/// with the row's read instead of an open, fstat, pread and close. Profiles of IMAP APPEND put
/// the file's creation, flushes and rename at over 40% of the server's CPU on ext4 (the kernel
/// skips recently freed inodes one by one when it allocates a new one; docs/PERFORMANCE.md).
///
/// A body stored here has a `body_path` of `inline/<32 hex digits>`: every table and check
/// that refers to bodies by path keeps working (COPY shares the path, `isReferenced` looks it up),
/// and no file directory can be called `inline` (shards are `yyyymmddhh` or two hex digits).
/// A body is removed in the transaction that drops its last reference (EXPUNGE), or right after
/// it, as body files are (mailbox and account deletion, REPLACE; `removeUnreferenced`).
enum InlineBodies {
    static let prefix = "inline/"

    static func isInline(_ path: String) -> Bool { path.utf8.starts(with: prefix.utf8) }

    /// Time-ordered (`UUID.timeOrdered`): the indexes on the name grow at their end.
    static func newReference() -> BodyReference { BodyReference(path: prefix + UUID.timeOrdered().lowercaseHex) }

    /// `v28-inline-bodies`. A rowid table: its blobs sit in overflow pages like any large value,
    /// and the primary key is the index `isReferenced`'s callers look paths up by.
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v28-inline-bodies") { db in
            try db.execute(sql: "CREATE TABLE message_blobs (path TEXT PRIMARY KEY NOT NULL, data BLOB NOT NULL)")
        }
    }

    static func insert(_ reference: BodyReference, _ bytes: [UInt8], _ db: Database) throws {
        try db.cachedExecute("INSERT INTO message_blobs (path, data) VALUES (?, ?)", [reference.path, Data(bytes)])
    }

    /// The bytes of each inline path (missing ones are absent), read in one transaction.
    static func read(_ paths: [String], _ db: Database) throws -> [String: [UInt8]] {
        var found: [String: [UInt8]] = [:]
        for path in paths where found[path] == nil {
            if let bytes = try db.cachedFirst("SELECT data FROM message_blobs WHERE path = ?", text: path, { $0.bytes(0) }) {
                found[path] = bytes
            }
        }
        return found
    }

    /// Up to `length` octets from `offset` (fewer at the end), as `BodyFileStore.read` does.
    static func read(_ path: String, offset: Int, length: Int?, _ db: Database) throws -> [UInt8]? {
        // substr counts from 1 and, on a blob, in octets; a negative length would count backwards.
        try db.cachedFirst("SELECT substr(data, ?, ?) FROM message_blobs WHERE path = ?",
                           [offset + 1, length.map { max(0, $0) } ?? Int(Int32.max), path]) { $0.bytes(0) }
    }

    /// Deletes the inline bodies among `paths` that no message refers to any more (queue and
    /// quarantine entries keep their bodies in files).
    static func deleteUnreferenced(_ paths: some Sequence<String>, _ db: Database) throws {
        for path in paths where isInline(path) {
            try db.cachedExecute("""
                DELETE FROM message_blobs WHERE path = ?1 AND NOT EXISTS (SELECT 1 FROM messages WHERE body_path = ?1)
                """, [path])
        }
    }

    /// Every stored inline body with its size, for the store check.
    static func sizes(_ db: Database) throws -> [String: Int64] {
        var sizes: [String: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT path, length(data) FROM message_blobs") { sizes[row[0]] = row[1] }
        return sizes
    }
}
