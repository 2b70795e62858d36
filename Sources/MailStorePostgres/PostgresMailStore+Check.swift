import Foundation
import MailStore
import PostgresNIO

/// `hato store check` on the shared database (docs/scaling.md "Checking the store"): the counters
/// against the rows they summarise (UIDNEXT above every UID, RFC 9051 §2.3.1.1; HIGHESTMODSEQ at
/// least every MODSEQ, RFC 7162 §3.1.1; UIDVALIDITY unique; quota usage, RFC 9208), queue entries,
/// and every stored body read back, its size and SHA-256 compared with its rows and its key.
/// The rows are read in one REPEATABLE READ transaction, so nodes may go on serving meanwhile.
extension PostgresMailStore: StoreChecking {
    public func checkStore() async throws -> StoreCheckReport {
        var report = try await transaction { db in
            try await db.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            var report = StoreCheckReport(findings: try await Self.counterFindings(db) + Self.queueFindings(db) + Self.bodyRowFindings(db))
            report.mailboxes = try await db.value("SELECT count(*) FROM mailboxes", as: Int.self) ?? 0
            report.messages = try await db.value("SELECT count(*) FROM messages", as: Int.self) ?? 0
            report.queueEntries = try await db.value("SELECT count(*) FROM queue_messages", as: Int.self) ?? 0
            return report
        }
        let blobs = try await verifyBlobs()
        report.bodyFiles = blobs.count
        report.findings += blobs.problems.map { problem in
            problem.problem.hasPrefix("unreadable")
                ? StoreFinding(.missingBody, "stored body \(problem.key) is \(problem.problem)", repairable: false)
                : StoreFinding(.bodyHash, "stored body \(problem.key): \(problem.problem)", repairable: false)
        }
        return report
    }

    static func counterFindings(_ db: PostgresConnection) async throws -> [StoreFinding] {
        var findings: [StoreFinding] = []
        for row in try await db.all("""
            SELECT a.address, mb.name, mb.uid_next, mb.highest_modseq,
                   GREATEST((SELECT MAX(uid) FROM messages WHERE mailbox_id = mb.id), (SELECT MAX(uid) FROM expunged WHERE mailbox_id = mb.id)),
                   GREATEST((SELECT MAX(modseq) FROM messages WHERE mailbox_id = mb.id), (SELECT MAX(modseq) FROM expunged WHERE mailbox_id = mb.id))
            FROM mailboxes mb JOIN accounts a ON a.id = mb.account_id ORDER BY mb.id
            """) {
            let (address, name, uidNext, highest, topUID, topModSeq) = try row.decode((String, String, Int64, Int64, Int64?, Int64?).self)
            let label = "\(address) \"\(name)\""
            if let topUID, uidNext <= topUID {
                findings.append(StoreFinding(.uidNext, "\(label): UIDNEXT \(uidNext) is not above UID \(topUID)"))
            }
            if let topModSeq, topModSeq > highest {
                findings.append(StoreFinding(.highestModSeq, "\(label): HIGHESTMODSEQ \(highest) is below MODSEQ \(topModSeq)"))
            }
        }
        let counter = try await db.value("SELECT value FROM meta WHERE key = 'uid_validity'", as: Int64.self) ?? 0
        if let inUse = try await db.value("SELECT MAX(uid_validity) FROM mailboxes", as: Int64?.self) ?? nil, inUse > counter {
            findings.append(StoreFinding(.uidValidity, "the UIDVALIDITY counter \(counter) is below UIDVALIDITY \(inUse) in use"))
        }
        for row in try await db.all("""
            SELECT mb.uid_validity, string_agg(a.address || ' "' || mb.name || '"', ', ' ORDER BY mb.id)
            FROM mailboxes mb JOIN accounts a ON a.id = mb.account_id GROUP BY mb.uid_validity HAVING count(*) > 1 ORDER BY 1
            """) {
            let (value, labels) = try row.decode((Int64, String).self)
            findings.append(StoreFinding(.uidValidity, "UIDVALIDITY \(value) is shared by \(labels)", repairable: false))
        }
        for row in try await db.all("""
            SELECT a.address, mb.name, string_agg(e.uid::text, ',' ORDER BY e.uid)
            FROM expunged e JOIN messages m ON m.mailbox_id = e.mailbox_id AND m.uid = e.uid
            JOIN mailboxes mb ON mb.id = e.mailbox_id JOIN accounts a ON a.id = mb.account_id GROUP BY a.address, mb.name, mb.id ORDER BY mb.id
            """) {
            let (address, name, uids) = try row.decode((String, String, String).self)
            findings.append(StoreFinding(.expungedPresent, "\(address) \"\(name)\": UID \(uids) recorded as expunged but still present"))
        }
        for row in try await db.all("""
            SELECT a.address, a.used_bytes, a.used_messages, COALESCE(u.bytes, 0)::bigint, COALESCE(u.messages, 0)::bigint
            FROM accounts a LEFT JOIN (
                SELECT mb.account_id, SUM(m.size) AS bytes, count(*) AS messages
                FROM messages m JOIN mailboxes mb ON mb.id = m.mailbox_id GROUP BY mb.account_id
            ) u ON u.account_id = a.id
            WHERE a.used_bytes <> COALESCE(u.bytes, 0) OR a.used_messages <> COALESCE(u.messages, 0) ORDER BY a.address
            """) {
            let (address, recordedBytes, recordedMessages, bytes, messages) = try row.decode((String, Int64, Int64, Int64, Int64).self)
            findings.append(StoreFinding(.quotaUsage, "\(address): usage recorded as \(recordedMessages) messages, \(recordedBytes) bytes; "
                                         + "its mailboxes hold \(messages) messages, \(bytes) bytes"))
        }
        return findings
    }

    /// Queue entries that can neither be delivered nor removed (as on SQLite).
    static func queueFindings(_ db: PostgresConnection) async throws -> [StoreFinding] {
        try await db.all("""
            SELECT q.id, count(r.position), count(r.position) FILTER (WHERE r.state IN ('queued', 'deferred'))
            FROM queue_messages q LEFT JOIN queue_recipients r ON r.message_id = q.id GROUP BY q.id
            HAVING count(r.position) FILTER (WHERE r.state IN ('queued', 'deferred')) = 0 ORDER BY q.id
            """).map { row in
            let (id, count, _) = try row.decode((Int64, Int, Int).self)
            return count == 0 ? StoreFinding(.queueEntry, "queue message \(id) has no recipients")
                : StoreFinding(.queueEntry, "queue message \(id) has no recipient left to deliver (\(count) delivered or failed)")
        }
    }

    /// Rows whose recorded size differs from their body's, and bodies nothing refers to.
    static func bodyRowFindings(_ db: PostgresConnection) async throws -> [StoreFinding] {
        var findings: [StoreFinding] = []
        for row in try await db.all("""
            SELECT 'message ' || a.address || ' "' || mb.name || '" UID ' || m.uid, m.size, b.key, b.size
              FROM messages m JOIN blobs b ON b.key = m.body_key JOIN mailboxes mb ON mb.id = m.mailbox_id
              JOIN accounts a ON a.id = mb.account_id WHERE m.size <> b.size
            UNION ALL SELECT 'queue message ' || q.id, q.size, b.key, b.size FROM queue_messages q JOIN blobs b ON b.key = q.body_key WHERE q.size <> b.size
            UNION ALL SELECT 'quarantined message ' || x.id, x.size, b.key, b.size FROM quarantine x JOIN blobs b ON b.key = x.body_key WHERE x.size <> b.size
            """) {
            let (user, recorded, key, actual) = try row.decode((String, Int64, String, Int64).self)
            findings.append(StoreFinding(.bodySize, "stored body \(key) has \(actual) bytes, but \(user) records \(recorded)", repairable: false))
        }
        for row in try await db.all("""
            SELECT b.key, b.size FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.body_key = b.key)
              AND NOT EXISTS (SELECT 1 FROM queue_messages q WHERE q.body_key = b.key)
              AND NOT EXISTS (SELECT 1 FROM quarantine x WHERE x.body_key = b.key) ORDER BY b.key
            """) {
            let (key, size) = try row.decode((String, Int64).self)
            findings.append(StoreFinding(.orphanBody, "stored body \(key) (\(size) bytes): no message or queue entry refers to it"))
        }
        return findings
    }

    /// Safe fixes: counters raised (never lowered) or recounted, expunged records of present UIDs
    /// dropped, unreferenced bodies removed. The rest is reported, not touched.
    public func repairStore() async throws -> [StoreRepair] {
        let findings = try await checkStore().findings
        guard !findings.isEmpty else { return [] }
        let kinds = Set(findings.filter(\.repairable).map(\.problem))
        try await transaction { db in
            if kinds.contains(.uidNext) {
                try await db.run("""
                    UPDATE mailboxes mb SET uid_next = t.top + 1 FROM (
                        SELECT mb2.id, GREATEST((SELECT MAX(uid) FROM messages WHERE mailbox_id = mb2.id),
                                                (SELECT MAX(uid) FROM expunged WHERE mailbox_id = mb2.id)) AS top FROM mailboxes mb2) t
                    WHERE t.id = mb.id AND t.top IS NOT NULL AND mb.uid_next <= t.top
                    """)
            }
            if kinds.contains(.highestModSeq) {
                try await db.run("""
                    UPDATE mailboxes mb SET highest_modseq = t.top FROM (
                        SELECT mb2.id, GREATEST((SELECT MAX(modseq) FROM messages WHERE mailbox_id = mb2.id),
                                                (SELECT MAX(modseq) FROM expunged WHERE mailbox_id = mb2.id)) AS top FROM mailboxes mb2) t
                    WHERE t.id = mb.id AND t.top IS NOT NULL AND mb.highest_modseq < t.top
                    """)
            }
            if kinds.contains(.uidValidity) {
                try await db.run("UPDATE meta SET value = GREATEST(value, (SELECT COALESCE(MAX(uid_validity), 0) FROM mailboxes)) WHERE key = 'uid_validity'")
            }
            if kinds.contains(.expungedPresent) {
                try await db.run("DELETE FROM expunged e USING messages m WHERE m.mailbox_id = e.mailbox_id AND m.uid = e.uid")
            }
            if kinds.contains(.queueEntry) {
                try await db.run("""
                    DELETE FROM queue_messages q WHERE NOT EXISTS (
                        SELECT 1 FROM queue_recipients r WHERE r.message_id = q.id AND r.state IN ('queued', 'deferred'))
                    """)
            }
            if kinds.contains(.quotaUsage) {
                try await db.run("""
                    UPDATE accounts a SET used_bytes = COALESCE(u.bytes, 0), used_messages = COALESCE(u.messages, 0)
                    FROM accounts a2 LEFT JOIN (SELECT mb.account_id, SUM(m.size) AS bytes, count(*) AS messages
                        FROM messages m JOIN mailboxes mb ON mb.id = m.mailbox_id GROUP BY mb.account_id) u ON u.account_id = a2.id
                    WHERE a.id = a2.id
                    """)
            }
        }
        if kinds.contains(.orphanBody) || kinds.contains(.queueEntry) { _ = try await sweepOrphanBodies(minimumAge: 0) }
        return findings.map { finding in
            guard finding.repairable else { return StoreRepair(finding, "left as it is: no safe automatic fix", repaired: false) }
            return switch finding.problem {
            case .orphanBody: StoreRepair(finding, "removed the unreferenced body")
            case .expungedPresent: StoreRepair(finding, "dropped the expunge records")
            case .quotaUsage: StoreRepair(finding, "recounted")
            case .queueEntry: StoreRepair(finding, "removed the queue entry")
            default: StoreRepair(finding, "raised")
            }
        }
    }
}
