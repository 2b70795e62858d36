import Foundation
import GRDB
import MailStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `hato store check --repair` for the embedded store. Nothing is destroyed: a body file that
/// loses its last reference (or never had one) is moved to `lost+found/` in the data directory,
/// not unlinked; rows whose body is gone are removed as expunges (new MODSEQ, VANISHED for
/// QRESYNC clients, quota usage adjusted); UIDNEXT, HIGHESTMODSEQ and the UIDVALIDITY counter
/// are only ever raised. Damage `PRAGMA integrity_check` reports is left for a backup.
struct StoreRepairer {
    let store: SQLiteMailStore
    let lostAndFound: URL

    /// Applies the fixes in an order where each leaves the store consistent for the next:
    /// counters first (an expunge takes HIGHESTMODSEQ + 1), rows before files, usage last.
    func apply(_ issues: [StoreIssue]) async throws -> [StoreRepair] {
        var done: [StoreRepair] = []
        let ordered = issues.sorted { Self.rank($0) < Self.rank($1) }
        for issue in ordered {
            let finding = issue.finding
            guard finding.repairable else {
                done.append(.init(finding, "not repaired: \(Self.manualFix(issue))", repaired: false))
                continue
            }
            done.append(.init(finding, try await fix(issue)))
        }
        return done
    }

    static func rank(_ issue: StoreIssue) -> Int {
        switch issue {
        case .database: 0
        case .uidValidityCounter: 1
        case .uidValidityShared: 2
        case .uidNext, .highestModSeq: 3
        case .expungedPresent: 4
        case .foreignKey: 5
        case .missingBody, .bodySize: 6
        case .queueWithoutRecipients, .queueFinished: 7
        case .orphanBody, .unfinishedBody: 8
        case .quotaUsage: 9
        }
    }

    static func manualFix(_ issue: StoreIssue) -> String {
        switch issue {
        case .foreignKey(let table, _, let parent) where parent == "domains":
            "add the domain again (hato domain add) or remove the \(table == "aliases" ? "alias" : "account")"
        case .foreignKey: "a row whose owner is gone holds mail; inspect it with sqlite3 before removing anything"
        default: "restore hato.sqlite from a backup, or salvage it with sqlite3's .recover"
        }
    }

    func fix(_ issue: StoreIssue) async throws -> String {
        switch issue {
        case .uidValidityCounter(_, let highest):
            try await write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('uid_validity', ?)", arguments: [highest])
            }
            return "counter raised to \(highest)"
        case .uidValidityShared(_, let mailboxes):
            // The first keeps its value; each other gets a fresh one and its clients resynchronise.
            var given: [String] = []
            for (id, label) in mailboxes.dropFirst() {
                let value = try await write { db -> UInt32 in
                    let value = try SQLiteMailStore.nextUIDValidity(db)
                    try db.execute(sql: "UPDATE mailboxes SET uid_validity = ? WHERE id = ?", arguments: [Int64(value), id.rawValue])
                    return value
                }
                given.append("\(label) now has UIDVALIDITY \(value)")
            }
            return given.joined(separator: ", ")
        case .uidNext(let mailbox, _, _, let highestUID):
            try await write { db in
                try db.execute(sql: "UPDATE mailboxes SET uid_next = MAX(uid_next, ?) WHERE id = ?", arguments: [highestUID + 1, mailbox.rawValue])
            }
            return "UIDNEXT raised to \(highestUID + 1)"
        case .highestModSeq(let mailbox, _, _, let highest, _):
            try await write { db in
                try db.execute(sql: "UPDATE mailboxes SET highest_modseq = MAX(highest_modseq, ?) WHERE id = ?", arguments: [highest, mailbox.rawValue])
            }
            return "HIGHESTMODSEQ raised to \(highest)"
        case .expungedPresent(let mailbox, _, let uids):
            try await write { db in
                for uid in uids {
                    try db.execute(sql: "DELETE FROM expunged WHERE mailbox_id = ? AND uid = ?", arguments: [mailbox.rawValue, uid])
                }
            }
            return "expunge records removed (the messages stay)"
        case .foreignKey(let table, let rowID, _):
            return try await removeDependent(table: table, rowID: rowID!)
        case .missingBody(let path, let users):
            return "removed " + (try await remove(users, path: path)).joined(separator: ", ")
        case .bodySize(let path, let actual, let users, let intact):
            if intact {
                try await write { db in
                    for case .message(let id, _, _, _, _) in users {
                        try db.execute(sql: "UPDATE messages SET size = ? WHERE id = ?", arguments: [actual, id])
                    }
                    for case .queue(let id, _) in users {
                        try db.execute(sql: "UPDATE queue_messages SET size = ? WHERE id = ?", arguments: [actual, id])
                    }
                    for case .quarantine(let id, _) in users {
                        try db.execute(sql: "UPDATE quarantine SET size = ? WHERE id = ?", arguments: [actual, id])
                    }
                }
                return "the file agrees with other rows; recorded size set to \(actual)"
            }
            let moved = try await moveToLostAndFound(path)
            let removed = try await remove(users, path: path)
            return "moved to \(moved); removed \(removed.joined(separator: ", "))"
        case .queueWithoutRecipients(let id), .queueFinished(let id, _):
            let path = try await write { db -> String? in
                let path = try String.fetchOne(db, sql: "SELECT body_path FROM queue_messages WHERE id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM queue_messages WHERE id = ?", arguments: [id])
                return path
            }
            return "removed" + (try await releaseBody(path))
        case .orphanBody(let path, _), .unfinishedBody(let path, _):
            guard try await !store.pool.read({ db in try SQLiteMailStore.isReferenced(BodyReference(path: path), db) }) else {
                return "left alone: it is referenced now"
            }
            return "moved to \(try await moveToLostAndFound(path))"
        case .quotaUsage(let address, _, _, _, _):
            let usage = try await write { db -> (Int64, Int64) in
                try db.execute(sql: """
                    UPDATE accounts SET
                        used_bytes = (SELECT COALESCE(SUM(m.size), 0) FROM messages m JOIN mailboxes mb ON mb.id = m.mailbox_id WHERE mb.account_id = accounts.id),
                        used_messages = (SELECT COUNT(*) FROM messages m JOIN mailboxes mb ON mb.id = m.mailbox_id WHERE mb.account_id = accounts.id)
                    WHERE address = ?
                    """, arguments: [address])
                let row = try Row.fetchOne(db, sql: "SELECT used_messages, used_bytes FROM accounts WHERE address = ?", arguments: [address])
                return (row?[0] ?? 0, row?[1] ?? 0)
            }
            return "recounted: \(usage.0) messages, \(usage.1) bytes"
        case .database:
            return "not repaired"
        }
    }

    /// Removes the rows that use a body: messages as expunges, queue and quarantine entries outright.
    func remove(_ users: [StoreIssue.BodyUser], path: String) async throws -> [String] {
        var removed: [String] = []
        var byMailbox: [MailboxID: [UInt32]] = [:]
        for case .message(_, let mailbox, _, let uid, _) in users { byMailbox[mailbox, default: []].append(UInt32(truncatingIfNeeded: uid)) }
        for (mailbox, uids) in byMailbox.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            _ = try await store.expunge(in: mailbox, uids: uids)
        }
        for user in users {
            if case .queue(let id, _) = user {
                try await write { db in try db.execute(sql: "DELETE FROM queue_messages WHERE id = ?", arguments: [id]) }
            }
            if case .quarantine(let id, _) = user {
                try await write { db in try db.execute(sql: "DELETE FROM quarantine WHERE id = ?", arguments: [id]) }
            }
            removed.append(user.description)
        }
        return removed
    }

    /// A row whose parent is gone. Only rows that hold no mail of their own are deleted outright;
    /// a message keeps its body in lost+found.
    func removeDependent(table: String, rowID: Int64) async throws -> String {
        let path = try await write { db -> String? in
            let path = table == "messages" ? try String.fetchOne(db, sql: "SELECT body_path FROM messages WHERE rowid = ?", arguments: [rowID]) : nil
            // The table name comes from foreign_key_check and was matched against a fixed list.
            try db.execute(sql: "DELETE FROM \(table) WHERE rowid = ?", arguments: [rowID])
            return path
        }
        return "row removed" + (try await releaseBody(path))
    }

    /// After a row is gone: its body goes to lost+found if nothing else refers to it.
    func releaseBody(_ path: String?) async throws -> String {
        guard let path, try await !store.pool.read({ db in try SQLiteMailStore.isReferenced(BodyReference(path: path), db) }) else { return "" }
        let exists = InlineBodies.isInline(path)
            ? try await store.pool.read({ db in try !InlineBodies.read([path], db).isEmpty })
            : StoreCheck.fileSize(store.bodies.url(for: BodyReference(path: path)).path) != nil
        guard exists else { return "" }
        return "; body moved to \(try await moveToLostAndFound(path))"
    }

    /// Moves `messages/<path>` to `lost+found/<path>` (a numbered name if that exists) and
    /// returns where it went, relative to the data directory. An inline body (`InlineBodies`) is
    /// written there as a file, then deleted from the database.
    func moveToLostAndFound(_ path: String) async throws -> String {
        let source = store.bodies.url(for: BodyReference(path: path))
        let root = lostAndFound
        let inline = InlineBodies.isInline(path) ? try await store.pool.read({ db in try InlineBodies.read([path], db)[path] }) : nil
        let moved = try await BlockingIO.run {
            var target = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            var n = 1
            while FileManager.default.fileExists(atPath: target.path) {
                target = root.appendingPathComponent("\(path).\(n)")
                n += 1
            }
            if let inline {
                guard FileManager.default.createFile(atPath: target.path, contents: Data(inline)) else {
                    throw MailStoreError.io("write \(path) to lost+found")
                }
                try BodyFileStore.fsyncPath(target.path)
            } else {
                guard rename(source.path, target.path) == 0 else { throw MailStoreError.io("rename \(path) to lost+found: \(String(cString: strerror(errno)))") }
            }
            try BodyFileStore.fsyncPath(target.deletingLastPathComponent().path)
            return "lost+found/" + target.path.dropFirst(root.path.count + 1)
        }
        if inline != nil {
            try await write { db in try db.execute(sql: "DELETE FROM message_blobs WHERE path = ?", arguments: [path]) }
        }
        return moved
    }

    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await store.pool.write(work)
    }
}

extension SQLiteMailStore: StoreChecking {
    public func checkStore() async throws -> StoreCheckReport {
        let check = StoreCheck(pool: pool, bodies: bodies)
        return try await BlockingIO.run { try check.run().report }
    }

    public func repairStore() async throws -> [StoreRepair] {
        let check = StoreCheck(pool: pool, bodies: bodies)
        let issues = try await BlockingIO.run { try check.run().issues }
        return try await StoreRepairer(store: self, lostAndFound: directory.appendingPathComponent("lost+found")).apply(issues)
    }
}
