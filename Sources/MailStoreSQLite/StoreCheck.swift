import Foundation
import GRDB
import MailStore

/// `hato store check` for the embedded store: compares everything the store keeps twice — rows
/// and body files, counters and the rows they summarise — and reports each disagreement.
///
/// It reads one snapshot of the database (a read transaction), then the body directory. Writes
/// in between would show up as false findings, which is why the command refuses to run while
/// `hato serve` holds the data directory.
struct StoreCheck {
    let pool: DatabasePool
    let bodies: BodyFileStore

    func run() throws -> (report: StoreCheckReport, issues: [StoreIssue]) {
        var report = StoreCheckReport()
        var issues: [StoreIssue] = []
        var inline: [String: Int64] = [:]
        let references = try pool.read { db -> [String: [StoreIssue.BodyUser]] in
            issues += try Self.databaseIssues(db)
            let labels = try Self.mailboxLabels(db)
            report.mailboxes = labels.count
            issues += try Self.counterIssues(db, labels)
            issues += try Self.queueIssues(db)
            let references = try Self.bodyUsers(db, labels)
            report.messages = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM messages") ?? 0
            report.queueEntries = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM queue_messages") ?? 0
            inline = try InlineBodies.sizes(db)
            return references
        }
        let scan = try scanBodies(references, inline: inline)
        issues += scan.issues
        report.bodyFiles = scan.files
        report.findings = issues.map(\.finding)
        return (report, issues)
    }

    /// `PRAGMA integrity_check` (page-level damage, index consistency) and
    /// `PRAGMA foreign_key_check` (rows whose parent row is gone).
    static func databaseIssues(_ db: Database) throws -> [StoreIssue] {
        var issues = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }.map(StoreIssue.database)
        for row in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check") {
            issues.append(.foreignKey(table: row[0], rowID: row[1], parent: row[2]))
        }
        return issues
    }

    /// `alice@example.test "INBOX"` for each mailbox id, as findings name mailboxes.
    static func mailboxLabels(_ db: Database) throws -> [Int64: String] {
        var labels: [Int64: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT mb.id, mb.name, a.address FROM mailboxes mb LEFT JOIN accounts a ON a.id = mb.account_id") {
            labels[row[0]] = "\((row[2] as String?) ?? "account ?") \"\(row[1] as String)\""
        }
        return labels
    }

    static func label(_ mailbox: Int64, _ labels: [Int64: String]) -> String { labels[mailbox] ?? "mailbox \(mailbox)" }

    /// UIDNEXT, HIGHESTMODSEQ, the UIDVALIDITY counter, expunged UIDs and quota usage against the
    /// rows they summarise.
    static func counterIssues(_ db: Database, _ labels: [Int64: String]) throws -> [StoreIssue] {
        var issues: [StoreIssue] = []
        let rows = try Row.fetchAll(db, sql: """
            SELECT mb.id, mb.uid_next, mb.highest_modseq,
                   (SELECT MAX(uid) FROM messages WHERE mailbox_id = mb.id),
                   (SELECT MAX(uid) FROM expunged WHERE mailbox_id = mb.id),
                   (SELECT uid || ' ' || modseq FROM messages WHERE mailbox_id = mb.id ORDER BY modseq DESC LIMIT 1),
                   (SELECT uid || ' ' || modseq FROM expunged WHERE mailbox_id = mb.id ORDER BY modseq DESC LIMIT 1)
            FROM mailboxes mb ORDER BY mb.id
            """)
        for row in rows {
            let id: Int64 = row[0], uidNext: Int64 = row[1], highest: Int64 = row[2]
            let name = label(id, labels)
            // RFC 9051 §2.3.1.1: UIDs are never reused, so UIDNEXT stays above expunged ones too.
            let highestUID = max((row[3] as Int64?) ?? 0, (row[4] as Int64?) ?? 0)
            if uidNext <= highestUID {
                issues.append(.uidNext(mailbox: MailboxID(id), label: name, current: uidNext, highestUID: highestUID))
            }
            // RFC 7162 §3.1.1: HIGHESTMODSEQ is at least every MODSEQ given out, expunges included.
            let sources = [(5, "UID"), (6, "expunged UID")].compactMap { column, kind -> (modSeq: Int64, source: String)? in
                guard let pair = (row[column] as String?)?.split(separator: " "), pair.count == 2,
                      let uid = Int64(pair[0]), let modSeq = Int64(pair[1]) else { return nil }
                return (modSeq, "\(kind) \(uid)")
            }
            if let top = sources.max(by: { $0.modSeq < $1.modSeq }), top.modSeq > highest {
                issues.append(.highestModSeq(mailbox: MailboxID(id), label: name, current: highest, highest: top.modSeq, source: top.source))
            }
        }
        let counter = try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'uid_validity'") ?? 0
        if let inUse = try Int64.fetchOne(db, sql: "SELECT MAX(uid_validity) FROM mailboxes"), inUse > counter {
            issues.append(.uidValidityCounter(current: counter, highest: inUse))
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT uid_validity, GROUP_CONCAT(id) FROM mailboxes GROUP BY uid_validity HAVING COUNT(*) > 1 ORDER BY uid_validity
            """) {
            let ids = (row[1] as String).split(separator: ",").compactMap { Int64($0) }.sorted()
            issues.append(.uidValidityShared(value: row[0], mailboxes: ids.map { (MailboxID($0), label($0, labels)) }))
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT e.mailbox_id, GROUP_CONCAT(e.uid) FROM expunged e JOIN messages m ON m.mailbox_id = e.mailbox_id AND m.uid = e.uid
            GROUP BY e.mailbox_id ORDER BY e.mailbox_id
            """) {
            let uids = (row[1] as String).split(separator: ",").compactMap { Int64($0) }.sorted()
            issues.append(.expungedPresent(mailbox: MailboxID(row[0]), label: label(row[0], labels), uids: uids))
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT a.address, a.used_bytes, a.used_messages, COALESCE(u.bytes, 0), COALESCE(u.messages, 0)
            FROM accounts a LEFT JOIN (
                SELECT mb.account_id, SUM(m.size) AS bytes, COUNT(*) AS messages
                FROM messages m JOIN mailboxes mb ON mb.id = m.mailbox_id GROUP BY mb.account_id
            ) u ON u.account_id = a.id
            WHERE a.used_bytes <> COALESCE(u.bytes, 0) OR a.used_messages <> COALESCE(u.messages, 0)
            ORDER BY a.address
            """) {
            issues.append(.quotaUsage(address: row[0], recordedBytes: row[1], recordedMessages: row[2], bytes: row[3], messages: row[4]))
        }
        return issues
    }

    /// Queue entries the scheduler can neither deliver nor remove: the last outcome removes an
    /// entry in the same transaction, so a committed entry always has a recipient to deliver.
    static func queueIssues(_ db: Database) throws -> [StoreIssue] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT q.id, COUNT(r.position), COALESCE(SUM(r.state IN ('queued', 'deferred')), 0)
            FROM queue_messages q LEFT JOIN queue_recipients r ON r.message_id = q.id
            GROUP BY q.id HAVING COUNT(r.position) = 0 OR COALESCE(SUM(r.state IN ('queued', 'deferred')), 0) = 0
            ORDER BY q.id
            """)
        return rows.map { row in
            let count: Int = row[1]
            return count == 0 ? .queueWithoutRecipients(id: row[0]) : .queueFinished(id: row[0], recipients: count)
        }
    }

    /// Every row that refers to a body file, by body path.
    static func bodyUsers(_ db: Database, _ labels: [Int64: String]) throws -> [String: [StoreIssue.BodyUser]] {
        var users: [String: [StoreIssue.BodyUser]] = [:]
        let messages = try Row.fetchCursor(db, sql: "SELECT id, mailbox_id, uid, size, body_path FROM messages ORDER BY mailbox_id, uid")
        while let row = try messages.next() {
            let mailbox: Int64 = row[1]
            users[row[4], default: []].append(.message(id: row[0], mailbox: MailboxID(mailbox), label: label(mailbox, labels), uid: row[2], size: row[3]))
        }
        for row in try Row.fetchAll(db, sql: "SELECT id, size, body_path FROM queue_messages ORDER BY id") {
            users[row[2], default: []].append(.queue(id: row[0], size: row[1]))
        }
        for row in try Row.fetchAll(db, sql: "SELECT id, size, body_path FROM quarantine ORDER BY id") {
            users[row[2], default: []].append(.quarantine(id: row[0], size: row[1]))
        }
        return users
    }
}
