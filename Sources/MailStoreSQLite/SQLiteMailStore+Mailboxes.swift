import Foundation
import GRDB
import MailStore

extension SQLiteMailStore {
    public func mailboxes(of account: AccountID) async throws -> [Mailbox] {
        // Read for every delivery (the Sieve run's mailbox list): compiling this statement each
        // time was 4.8% of an inbound message's instructions (docs/PERFORMANCE.md, issue 24).
        try await reads.unsafeReadInOneHop { db in  // one statement (see SQLiteMailStore.messageStates(in:))
            try db.cachedRows("SELECT \(Rows.mailboxColumns) FROM mailboxes WHERE account_id = ? ORDER BY name <> 'INBOX', name",
                              [account.rawValue]).map(Rows.mailboxByPosition)
        }
    }

    public func mailbox(of account: AccountID, named name: String) async throws -> Mailbox? {
        let name = Mailbox.normalize(name)
        return try await reads.unsafeReadInOneHop { db in  // one statement: its own snapshot (see SQLiteMailStore.messageStates(in:))
            try db.cachedFirst("SELECT \(Rows.mailboxColumns) FROM mailboxes WHERE account_id = ? AND name = ?",
                               [account.rawValue, name], Rows.mailbox)
        }
    }

    public func mailbox(id: MailboxID) async throws -> Mailbox? {
        try await reads.unsafeReadInOneHop { db in  // one statement (see SQLiteMailStore.messageStates(in:))
            try db.cachedFirst("SELECT \(Rows.mailboxColumns) FROM mailboxes WHERE id = ?", [id.rawValue], Rows.mailbox)
        }
    }

    @discardableResult
    public func createMailbox(of account: AccountID, named name: String, specialUse: SpecialUse?) async throws -> Mailbox {
        let name = try MailboxName.validate(name)
        let created = try await pool.write { db in
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE id = ?", arguments: [account.rawValue]) != nil else {
                throw MailStoreError.accountNotFound("id \(account)")
            }
            guard try Row.fetchOne(
                db, sql: "SELECT 1 FROM mailboxes WHERE account_id = ? AND name = ?", arguments: [account.rawValue, name]
            ) == nil else { throw MailStoreError.mailboxExists(name) }
            let id = try Self.insertMailbox(account: account, name: name, specialUse: specialUse, db)
            return Rows.mailbox(try Row.fetchOne(db, sql: "SELECT * FROM mailboxes WHERE id = ?", arguments: [id.rawValue])!)
        }
        feed.accounts.publish([.created(name: created.name)], for: account)
        return created
    }

    public func deleteMailbox(_ id: MailboxID) async throws {
        let (paths, gone) = try await pool.write { db -> (Set<String>, Mailbox) in
            guard let mailbox = try Row.fetchOne(db, sql: "SELECT * FROM mailboxes WHERE id = ?", arguments: [id.rawValue]).map(Rows.mailbox) else {
                throw MailStoreError.mailboxNotFound("id \(id)")
            }
            guard !mailbox.isInbox else { throw MailStoreError.cannotDeleteInbox }
            let usage = try Row.fetchOne(
                db, sql: "SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM messages WHERE mailbox_id = ?",
                arguments: [id.rawValue])!
            let paths = try String.fetchAll(db, sql: "SELECT DISTINCT body_path FROM messages WHERE mailbox_id = ?", arguments: [id.rawValue])
            try db.execute(sql: "DELETE FROM mailboxes WHERE id = ?", arguments: [id.rawValue])
            try db.execute(
                sql: "UPDATE accounts SET used_bytes = used_bytes - ?, used_messages = used_messages - ? WHERE id = ?",
                arguments: [usage["bytes"] as Int64, usage["n"] as Int64, mailbox.accountID.rawValue])
            return (Set(paths), mailbox)
        }
        stateCache.forget(id)
        feed.finish(id)
        feed.accounts.publish([.deleted(name: gone.name)], for: gone.accountID)
        await removeUnreferenced(paths)
    }

    public func renameMailbox(_ id: MailboxID, to newName: String) async throws {
        let newName = try MailboxName.validate(newName)
        let (expunged, old) = try await pool.write { db -> ((uids: [UInt32], modSeq: UInt64)?, Mailbox) in
            guard let mailbox = try Row.fetchOne(db, sql: "SELECT * FROM mailboxes WHERE id = ?", arguments: [id.rawValue]).map(Rows.mailbox) else {
                throw MailStoreError.mailboxNotFound("id \(id)")
            }
            guard newName != Mailbox.inbox else { throw MailStoreError.mailboxExists(Mailbox.inbox) }
            guard try Row.fetchOne(
                db, sql: "SELECT 1 FROM mailboxes WHERE account_id = ? AND name = ?", arguments: [mailbox.accountID.rawValue, newName]
            ) == nil else { throw MailStoreError.mailboxExists(newName) }
            if mailbox.isInbox {
                return (try Self.moveInboxContents(mailbox, to: newName, db), mailbox)
            }
            // Children move with their parent: "a/b" renamed to "c" takes "a/b/x" to "c/x".
            let children = try Row.fetchAll(
                db, sql: "SELECT id, name FROM mailboxes WHERE account_id = ? AND name LIKE ? ESCAPE '\\'",
                arguments: [mailbox.accountID.rawValue, Self.likeEscaped(mailbox.name) + "/%"])
            // The mailbox keeps its id and UIDVALIDITY: its UIDs stay valid under the new name, and
            // a new mailbox created under the old name gets a fresh UIDVALIDITY.
            try db.execute(sql: "UPDATE mailboxes SET name = ? WHERE id = ?", arguments: [newName, id.rawValue])
            for child in children {
                let childName: String = child["name"]
                let renamed = newName + childName.dropFirst(mailbox.name.count)
                try db.execute(sql: "UPDATE mailboxes SET name = ? WHERE id = ?", arguments: [renamed, child["id"] as Int64])
            }
            return (nil, mailbox)
        }
        if let expunged { feed.publish([.expunged(uids: expunged.uids, modSeq: expunged.modSeq)], in: id) }
        // RFC 5465 §5.4: renaming INBOX creates the new mailbox; INBOX itself stays.
        feed.accounts.publish([old.isInbox ? .created(name: newName) : .renamed(from: old.name, to: newName)], for: old.accountID)
    }

    /// RFC 9051 §6.3.6: renaming INBOX moves its messages to a new mailbox and leaves INBOX empty.
    private static func moveInboxContents(_ inbox: Mailbox, to newName: String, _ db: Database) throws -> (uids: [UInt32], modSeq: UInt64) {
        let target = try insertMailbox(account: inbox.accountID, name: newName, specialUse: nil, db)
        try copyMetadata(from: inbox.id, to: target, db)
        let uids = try Int64.fetchAll(db, sql: "SELECT uid FROM messages WHERE mailbox_id = ? ORDER BY uid", arguments: [inbox.id.rawValue])
        let modSeq = inbox.highestModSeq + 1
        try db.execute(sql: """
            UPDATE mailboxes SET uid_next = (SELECT COALESCE(MAX(uid), 0) + 1 FROM messages WHERE mailbox_id = ?),
                   highest_modseq = ? WHERE id = ?
            """, arguments: [inbox.id.rawValue, modSeq, target.rawValue])
        try db.execute(sql: "UPDATE messages SET mailbox_id = ?, modseq = ? WHERE mailbox_id = ?",
                       arguments: [target.rawValue, modSeq, inbox.id.rawValue])
        for uid in uids {
            try db.execute(sql: "INSERT OR REPLACE INTO expunged (mailbox_id, uid, modseq) VALUES (?, ?, ?)",
                           arguments: [inbox.id.rawValue, uid, modSeq])
        }
        try db.execute(sql: "UPDATE mailboxes SET highest_modseq = ? WHERE id = ?", arguments: [modSeq, inbox.id.rawValue])
        return (uids.map { UInt32(truncatingIfNeeded: $0) }, UInt64(modSeq))
    }

    static func likeEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }

    public func status(_ id: MailboxID) async throws -> MailboxStatus {
        try await reads.readInOneHop { db in
            guard let mailbox = try Row.fetchOne(db, sql: "SELECT * FROM mailboxes WHERE id = ?", arguments: [id.rawValue]).map(Rows.mailbox) else {
                throw MailStoreError.mailboxNotFound("id \(id)")
            }
            let row = try Row.fetchOne(db, sql: """
                SELECT COUNT(*) AS messages,
                       COALESCE(SUM((flags & 1) = 0), 0) AS unseen,
                       COALESCE(SUM((flags & 8) <> 0), 0) AS deleted,
                       COALESCE(SUM(size), 0) AS bytes,
                       COALESCE(SUM(uid >= (SELECT first_recent_uid FROM mailboxes WHERE id = ?)), 0) AS recent
                FROM messages WHERE mailbox_id = ?
                """, arguments: [id.rawValue, id.rawValue])!
            return MailboxStatus(mailbox: mailbox, messages: row["messages"], unseen: row["unseen"], deleted: row["deleted"],
                                 bytes: row["bytes"], recent: row["recent"])
        }
    }

    public func claimRecent(in mailbox: MailboxID, through uid: UInt32?) async throws -> UInt32 {
        @Sendable func current(_ db: Database) throws -> UInt32 {
            guard let first = try db.cachedValue(UInt32.self, "SELECT first_recent_uid FROM mailboxes WHERE id = ?", [mailbox.rawValue]) else {
                throw MailStoreError.mailboxNotFound("id \(mailbox)")
            }
            return first
        }
        // Most calls find nothing to claim (another session was first, or nothing is new): a
        // read answers them without a write transaction. One statement, so `unsafeRead` (see
        // `messageStates(in:)`): every session's own APPEND into its mailbox comes here.
        let seen = try await reads.unsafeReadInOneHop { db in try current(db) }
        guard let uid, seen <= uid else { return seen }
        return try await pool.write { db in try Self.claimRecent(in: mailbox, through: uid, db) }
    }

    public func subscriptions(of account: AccountID) async throws -> [String] {
        try await reads.readInOneHop { db in
            try String.fetchAll(db, sql: "SELECT name FROM subscriptions WHERE account_id = ? ORDER BY name", arguments: [account.rawValue])
        }
    }

    public func setSubscribed(_ subscribed: Bool, account: AccountID, name: String) async throws {
        let name = try MailboxName.validate(name)
        try await pool.write { db in
            if subscribed {
                try Self.subscribe(account: account, name: name, db)
            } else {
                try db.execute(sql: "DELETE FROM subscriptions WHERE account_id = ? AND name = ?", arguments: [account.rawValue, name])
            }
        }
        feed.accounts.publish([.subscription(name: name, subscribed: subscribed)], for: account)
    }

    public func changes(in mailbox: MailboxID) -> AsyncStream<MailboxChange> {
        feed.subscribe(mailbox)
    }

    public func mailboxListChanges(account: AccountID) -> AsyncStream<MailboxListChange> {
        feed.accounts.subscribe(account)
    }

    /// The store belongs to one process: its feed hears every change.
    public func changesPublished(in mailbox: MailboxID) -> UInt64? {
        feed.published(mailbox)
    }
}
