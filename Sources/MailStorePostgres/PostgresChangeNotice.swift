import Foundation
import MailStore
import PostgresNIO

/// What one transaction tells every node (docs/scaling.md, "Change feed"): the mailbox changes
/// it made, sent with `pg_notify` inside the transaction. PostgreSQL delivers a transaction's
/// notifications only when it commits, and in commit order; UIDs and MODSEQs are allocated under
/// the mailbox's row lock, so every node hears one mailbox's changes in UID/MODSEQ order, which
/// the IMAP sessions rely on (RFC 9051 §2.3.1.1, RFC 7162 §3.1). A rolled-back transaction
/// (including one retried after a deadlock) notifies nobody.
struct PGChangeNotice: Codable, Sendable, Equatable {
    /// The one channel every node listens on.
    static let channel = "hato_changes"
    /// PostgreSQL refuses a payload of 8000 bytes or more; a larger notice is stored in
    /// `change_notices` and the notification carries its row id.
    static let maxPayload = 7900
    /// Stored notices older than this are removed; every node reads its notices within moments.
    static let storedLifetime: Double = 3600

    struct Change: Codable, Sendable, Equatable {
        /// a: appended, f: flags changed, e: expunged, x: mailbox removed.
        var k: String
        var u: [UInt32]
        var s: UInt64
        var f: Int
        var w: [String]
    }

    var mailbox: Int64
    var changes: [Change]

    init(mailbox: MailboxID, changes: [MailboxChange]) {
        self.mailbox = mailbox.rawValue
        self.changes = changes.map { change in
            switch change {
            case .appended(let uid, let modSeq, let flags): Change(k: "a", u: [uid], s: modSeq, f: flags.system.rawValue, w: flags.keywords)
            case .flagsChanged(let uid, let modSeq, let flags): Change(k: "f", u: [uid], s: modSeq, f: flags.system.rawValue, w: flags.keywords)
            case .expunged(let uids, let modSeq): Change(k: "e", u: uids, s: modSeq, f: 0, w: [])
            case .mailboxRemoved: Change(k: "x", u: [], s: 0, f: 0, w: [])
            }
        }
    }

    /// The changes as the in-process feed carries them; nil for a notice this build cannot read.
    var mailboxChanges: [MailboxChange]? {
        var out: [MailboxChange] = []
        for change in changes {
            let flags = MessageFlags(system: SystemFlags(rawValue: change.f), keywords: change.w)
            switch change.k {
            case "a": guard let uid = change.u.first else { return nil }; out.append(.appended(uid: uid, modSeq: change.s, flags: flags))
            case "f": guard let uid = change.u.first else { return nil }; out.append(.flagsChanged(uid: uid, modSeq: change.s, flags: flags))
            case "e": out.append(.expunged(uids: change.u, modSeq: change.s))
            case "x": out.append(.mailboxRemoved)
            default: return nil
            }
        }
        return out
    }

    /// A notification payload: the notice as JSON, `n<id>` for a stored one, `q` for queue work,
    /// `m` and JSON for an account-level notice (`PGAccountNotice`).
    enum Payload: Equatable {
        case notice(PGChangeNotice)
        case account(PGAccountNotice)
        case stored(Int64)
        case queue

        init?(_ text: String) {
            if text == "q" {
                self = .queue
            } else if text.hasPrefix("m") {
                guard let notice = try? SQL.decode(PGAccountNotice.self, String(text.dropFirst())) else { return nil }
                self = .account(notice)
            } else if text.hasPrefix("n"), let id = Int64(text.dropFirst()) {
                self = .stored(id)
            } else if let notice = try? SQL.decode(PGChangeNotice.self, text) {
                self = .notice(notice)
            } else {
                return nil
            }
        }
    }
}

/// An account-level notice (RFC 5465 NOTIFY's mailbox list and METADATA events): the same
/// channel, `m` before the JSON, so a node of an earlier build logs it as unknown and goes on.
struct PGAccountNotice: Codable, Sendable, Equatable {
    var account: Int64
    var changes: [MailboxListChange]
}

extension PostgresMailStore {
    /// Sends the account-level changes to every node's `AccountChangeFeed` when the transaction commits.
    static func announce(_ changes: [MailboxListChange], for account: AccountID, _ db: PostgresConnection) async throws {
        guard !changes.isEmpty else { return }
        try await notify("m" + SQL.json(PGAccountNotice(account: account.rawValue, changes: changes)), db)
    }

    /// Sends the changes to every node's feed (this one's too) when the transaction commits.
    static func announce(_ changes: [MailboxChange], in mailbox: MailboxID, _ db: PostgresConnection) async throws {
        guard !changes.isEmpty else { return }
        try await notify(try SQL.json(PGChangeNotice(mailbox: mailbox, changes: changes)), db)
    }

    /// A payload over PostgreSQL's limit is stored in `change_notices` and sent as `n<id>`.
    private static func notify(_ text: String, _ db: PostgresConnection) async throws {
        if text.utf8.count <= PGChangeNotice.maxPayload {
            try await db.run("SELECT pg_notify(\(PGChangeNotice.channel), \(text))")
            return
        }
        let now = Date().timeIntervalSince1970
        try await db.run("DELETE FROM change_notices WHERE created_at < \(now - PGChangeNotice.storedLifetime)")
        guard let id = try await db.value("""
            INSERT INTO change_notices (notice, created_at) VALUES (\(text), \(now)) RETURNING id
            """, as: Int64.self) else { throw MailStoreError.io("change notice insert returned nothing") }
        try await db.run("SELECT pg_notify(\(PGChangeNotice.channel), \("n\(id)"))")
    }

    /// Watchers of the mailbox on every node are told it is gone (their streams end).
    static func announceRemoved(_ mailboxes: [MailboxID], _ db: PostgresConnection) async throws {
        for mailbox in mailboxes { try await announce([.mailboxRemoved], in: mailbox, db) }
    }

    /// Wakes the outbound queue scheduler of every node when the transaction commits.
    static func announceQueueWork(_ db: PostgresConnection) async throws {
        try await db.run("SELECT pg_notify(\(PGChangeNotice.channel), 'q')")
    }
}
