import Foundation
import MailStore
import PostgresNIO

extension PostgresMailStore {
    /// Takes the row locks a write to these mailboxes' counters needs, in the one order every
    /// writer uses (their accounts, then the mailboxes, each by id), so concurrent transactions on
    /// any node queue behind each other instead of deadlocking. Until the commit no other
    /// transaction can allocate a UID or MODSEQ in them, which keeps both strictly ascending
    /// (RFC 9051 §2.3.1.1, RFC 7162 §3.1) and the quota counters exact.
    static func lock(_ mailboxes: [MailboxID], _ db: PostgresConnection) async throws {
        let ids = Array(Set(mailboxes.map(\.rawValue))).sorted()
        guard !ids.isEmpty else { return }
        try await db.run("""
            SELECT a.id FROM accounts a WHERE a.id IN (SELECT account_id FROM mailboxes WHERE id = ANY(\(ids))) ORDER BY a.id FOR UPDATE
            """)
        try await db.run("SELECT id FROM mailboxes WHERE id = ANY(\(ids)) ORDER BY id FOR UPDATE")
    }

    public func mailboxes(of account: AccountID) async throws -> [Mailbox] {
        try await read { db in
            try await db.all("""
                SELECT \(unescaped: PGRows.mailboxColumns) FROM mailboxes WHERE account_id = \(account.rawValue)
                ORDER BY name <> 'INBOX', name COLLATE "C"
                """).map(PGRows.mailbox)
        }
    }

    public func mailbox(of account: AccountID, named name: String) async throws -> Mailbox? {
        let name = Mailbox.normalize(name)
        return try await read { db in
            try await db.all("""
                SELECT \(unescaped: PGRows.mailboxColumns) FROM mailboxes WHERE account_id = \(account.rawValue) AND name = \(name)
                """).first.map(PGRows.mailbox)
        }
    }

    public func mailbox(id: MailboxID) async throws -> Mailbox? {
        try await read { db in try await Self.mailbox(id, db) }
    }

    static func mailbox(_ id: MailboxID, _ db: PostgresConnection) async throws -> Mailbox? {
        try await db.all("SELECT \(unescaped: PGRows.mailboxColumns) FROM mailboxes WHERE id = \(id.rawValue)").first.map(PGRows.mailbox)
    }

    @discardableResult
    public func createMailbox(of account: AccountID, named name: String, specialUse: SpecialUse?) async throws -> Mailbox {
        let name = try MailboxName.validate(name)
        return try await transaction { db in
            guard try await db.exists("SELECT 1 FROM accounts WHERE id = \(account.rawValue) FOR UPDATE") else {
                throw MailStoreError.accountNotFound("id \(account)")
            }
            guard try await !db.exists("SELECT 1 FROM mailboxes WHERE account_id = \(account.rawValue) AND name = \(name)") else {
                throw MailStoreError.mailboxExists(name)
            }
            let created = try await Self.insertMailbox(account: account, name: name, specialUse: specialUse, db)
            try await Self.announce([.created(name: created.name)], for: account, db)
            return created
        }
    }

    public func deleteMailbox(_ id: MailboxID) async throws {
        let keys = try await transaction { db -> Set<String> in
            try await Self.lock([id], db)
            guard let mailbox = try await Self.mailbox(id, db) else { throw MailStoreError.mailboxNotFound("id \(id)") }
            guard !mailbox.isInbox else { throw MailStoreError.cannotDeleteInbox }
            let keys = try await db.all("SELECT DISTINCT body_key FROM messages WHERE mailbox_id = \(id.rawValue)").map { try $0.decode(String.self) }
            try await db.run("""
                UPDATE accounts a SET used_bytes = a.used_bytes - u.bytes, used_messages = a.used_messages - u.n
                FROM (SELECT count(*) AS n, COALESCE(SUM(size), 0)::bigint AS bytes FROM messages WHERE mailbox_id = \(id.rawValue)) u
                WHERE a.id = \(mailbox.accountID.rawValue)
                """)
            try await db.run("DELETE FROM mailboxes WHERE id = \(id.rawValue)")
            try await Self.announceRemoved([id], db)
            try await Self.announce([.deleted(name: mailbox.name)], for: mailbox.accountID, db)
            return Set(keys)
        }
        await removeUnreferenced(keys)
    }

    public func renameMailbox(_ id: MailboxID, to newName: String) async throws {
        let newName = try MailboxName.validate(newName)
        try await transaction { db in
            try await Self.lock([id], db)
            guard let mailbox = try await Self.mailbox(id, db) else { throw MailStoreError.mailboxNotFound("id \(id)") }
            guard newName != Mailbox.inbox else { throw MailStoreError.mailboxExists(Mailbox.inbox) }
            guard try await !db.exists("""
                SELECT 1 FROM mailboxes WHERE account_id = \(mailbox.accountID.rawValue) AND name = \(newName)
                """) else { throw MailStoreError.mailboxExists(newName) }
            if mailbox.isInbox {
                let expunged = try await Self.moveInboxContents(mailbox, to: newName, db)
                // RFC 5465 §5.4: renaming INBOX creates the new mailbox; INBOX itself stays.
                try await Self.announce([.created(name: newName)], for: mailbox.accountID, db)
                return try await Self.announce([.expunged(uids: expunged.uids, modSeq: expunged.modSeq)], in: id, db)
            }
            try await Self.announce([.renamed(from: mailbox.name, to: newName)], for: mailbox.accountID, db)
            // Children move with their parent: "a/b" renamed to "c" takes "a/b/x" to "c/x". The
            // mailbox keeps its id and UIDVALIDITY, so its UIDs stay valid under the new name.
            let prefix = mailbox.name + "/"
            let children = try await db.all("""
                SELECT id, name FROM mailboxes WHERE account_id = \(mailbox.accountID.rawValue)
                AND starts_with(name, \(prefix))
                """).map { try $0.decode((Int64, String).self) }
            try await db.run("UPDATE mailboxes SET name = \(newName) WHERE id = \(id.rawValue)")
            for (child, childName) in children {
                let renamed = newName + childName.dropFirst(mailbox.name.count)
                try await db.run("UPDATE mailboxes SET name = \(renamed) WHERE id = \(child)")
            }
        }
    }

    /// RFC 9051 §6.3.6: renaming INBOX moves its messages to a new mailbox and leaves INBOX empty.
    private static func moveInboxContents(_ inbox: Mailbox, to newName: String, _ db: PostgresConnection) async throws -> PGExpunged {
        let target = try await insertMailbox(account: inbox.accountID, name: newName, specialUse: nil, db)
        try await copyMetadata(from: inbox.id, to: target.id, db)
        let uids = try await db.all("SELECT uid FROM messages WHERE mailbox_id = \(inbox.id.rawValue) ORDER BY uid").map { try $0.decode(Int64.self) }
        let modSeq = Int64(inbox.highestModSeq) + 1
        try await db.run("""
            UPDATE mailboxes SET uid_next = (SELECT COALESCE(MAX(uid), 0) + 1 FROM messages WHERE mailbox_id = \(inbox.id.rawValue)),
                highest_modseq = \(modSeq) WHERE id = \(target.id.rawValue)
            """)
        try await db.run("UPDATE messages SET mailbox_id = \(target.id.rawValue), modseq = \(modSeq) WHERE mailbox_id = \(inbox.id.rawValue)")
        try await db.run("""
            INSERT INTO expunged (mailbox_id, uid, modseq) SELECT \(inbox.id.rawValue), u, \(modSeq) FROM unnest(\(uids)::bigint[]) AS u
            ON CONFLICT (mailbox_id, uid) DO UPDATE SET modseq = EXCLUDED.modseq
            """)
        try await db.run("UPDATE mailboxes SET highest_modseq = \(modSeq) WHERE id = \(inbox.id.rawValue)")
        return PGExpunged(uids: uids.map { UInt32(truncatingIfNeeded: $0) }, modSeq: UInt64(modSeq))
    }

    public func status(_ id: MailboxID) async throws -> MailboxStatus {
        try await read { db in
            // One statement: the mailbox row and its counts come from one snapshot.
            guard let row = try await db.all("""
                SELECT m.id, m.account_id, m.name, m.special_use, m.uid_validity, m.uid_next, m.highest_modseq,
                    count(x.uid), count(x.uid) FILTER (WHERE (x.flags & 1) = 0), count(x.uid) FILTER (WHERE (x.flags & 8) <> 0),
                    COALESCE(SUM(x.size), 0)::bigint, count(x.uid) FILTER (WHERE x.uid >= m.first_recent_uid)
                FROM mailboxes m LEFT JOIN messages x ON x.mailbox_id = m.id WHERE m.id = \(id.rawValue) GROUP BY m.id
                """).first else { throw MailStoreError.mailboxNotFound("id \(id)") }
            let mailbox = try PGRows.mailbox(row)
            let (_, _, _, _, _, _, _, messages, unseen, deleted, bytes, recent) =
                try row.decode((Int64, Int64, String, String?, Int64, Int64, Int64, Int, Int, Int, Int64, Int).self)
            return MailboxStatus(mailbox: mailbox, messages: messages, unseen: unseen, deleted: deleted, bytes: bytes, recent: recent)
        }
    }

    public func claimRecent(in mailbox: MailboxID, through uid: UInt32?) async throws -> UInt32 {
        // Most calls find nothing to claim: a read answers them without taking the row lock.
        guard let seen = try await read({ db in
            try await db.value("SELECT first_recent_uid FROM mailboxes WHERE id = \(mailbox.rawValue)", as: Int64.self)
        }) else { throw MailStoreError.mailboxNotFound("id \(mailbox)") }
        guard let uid, seen <= Int64(uid) else { return UInt32(truncatingIfNeeded: seen) }
        return try await transaction { db in try await Self.claimRecent(in: mailbox, through: uid, db) }
    }

    /// RFC 3501 §2.3.2 inside a transaction: the mailbox's first unclaimed UID (row locked),
    /// moved past `uid` when given and not yet claimed.
    static func claimRecent(in mailbox: MailboxID, through uid: UInt32?, _ db: PostgresConnection) async throws -> UInt32 {
        guard let first = try await db.value(
            "SELECT first_recent_uid FROM mailboxes WHERE id = \(mailbox.rawValue) FOR UPDATE", as: Int64.self) else {
            throw MailStoreError.mailboxNotFound("id \(mailbox)")
        }
        if let uid, first <= Int64(uid) {
            try await db.run("UPDATE mailboxes SET first_recent_uid = \(Int64(uid) + 1) WHERE id = \(mailbox.rawValue)")
        }
        return UInt32(truncatingIfNeeded: first)
    }

    public func subscriptions(of account: AccountID) async throws -> [String] {
        try await read { db in
            try await db.all("SELECT name FROM subscriptions WHERE account_id = \(account.rawValue) ORDER BY name COLLATE \"C\"")
                .map { try $0.decode(String.self) }
        }
    }

    public func setSubscribed(_ subscribed: Bool, account: AccountID, name: String) async throws {
        let name = try MailboxName.validate(name)
        try await transaction { db in
            if subscribed {
                try await Self.subscribe(account: account, name: name, db)
            } else {
                try await db.run("DELETE FROM subscriptions WHERE account_id = \(account.rawValue) AND name = \(name)")
            }
            try await Self.announce([.subscription(name: name, subscribed: subscribed)], for: account, db)
        }
    }

    public func changes(in mailbox: MailboxID) -> AsyncStream<MailboxChange> {
        feed.subscribe(mailbox)
    }

    /// Every node's changes arrive through the change listener (`PGAccountNotice`).
    public func mailboxListChanges(account: AccountID) -> AsyncStream<MailboxListChange> {
        feed.accounts.subscribe(account)
    }

    /// Other nodes write the same database and their changes are not in this process's feed
    /// (docs/scaling.md): nothing is known without reading the store.
    public func changesPublished(in mailbox: MailboxID) -> UInt64? {
        nil
    }
}

struct PGExpunged: Sendable {
    var uids: [UInt32]
    var modSeq: UInt64
}
