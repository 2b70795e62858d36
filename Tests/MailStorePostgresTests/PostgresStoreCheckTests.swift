import Foundation
import HatoTesting
import MailCore
import MailStore
@testable import MailStorePostgres
import Testing

/// `hato store check` on PostgreSQL: a consistent store is clean; damage a user could meet
/// (a counter behind its rows, a body whose bytes changed, an unreferenced body, wrong quota
/// usage) is each reported, and repair fixes what it safely can.
@Suite struct PostgresStoreCheckTests {
    @Test func findsAndRepairsInconsistencies() async throws {
        guard let (cluster, database) = try await testDatabase() else { return }
        let store = openStore(cluster, database, maxConnections: 2)
        try await store.addDomain(try Domain("example.test"))
        let account = try await store.addAccount(try EmailAddress("dave@example.test"), credentials: [], quota: .unlimited)
        let inbox = try #require(try await store.mailbox(of: account.id, named: "INBOX"))
        for n in 0..<3 { _ = try await store.append(AppendRequest(bytes: Array("Subject: \(n)\r\n\r\nbody \(n)\r\n".utf8)), to: inbox.id) }
        let clean = try await store.checkStore()
        #expect(clean.isClean, "\(clean.findings)")
        #expect(clean.messages == 3 && clean.bodyFiles == 3 && clean.mailboxes >= 1, "\(clean.summary)")

        let second = try #require(try await store.message(in: inbox.id, uid: 2))
        try await store.transaction { db in
            try await db.run("UPDATE mailboxes SET uid_next = 2 WHERE id = \(inbox.id.rawValue)")
            try await db.run("UPDATE accounts SET used_messages = 7 WHERE id = \(account.id.rawValue)")
            try await db.run("UPDATE blob_chunks SET data = set_byte(data, 0, 88) WHERE key = \(second.body.path)")
            try await db.run("INSERT INTO blobs (key, size, chunk_size, created_at) VALUES ('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 0, 4096, 0)")
        }
        let damaged = try await store.checkStore()
        let kinds = Set(damaged.findings.map(\.problem))
        #expect(kinds == [.uidNext, .quotaUsage, .bodyHash, .orphanBody], "\(damaged.findings)")
        #expect(damaged.findings.contains { $0.description.hasPrefix("uidnext: dave@example.test \"INBOX\": UIDNEXT 2 is not above UID 3") },
                "\(damaged.findings)")

        let repairs = try await store.repairStore()
        #expect(repairs.filter(\.repaired).count == 3, "\(repairs)")
        let after = try await store.checkStore()
        #expect(after.findings.map(\.problem) == [.bodyHash], "only the changed body is left: \(after.findings)")
        let next = try await store.append(AppendRequest(bytes: Array("Subject: new\r\n\r\nx\r\n".utf8)), to: inbox.id)
        #expect(next.uid == 4, "UIDNEXT was raised above every UID")
        try await store.close()
    }
}
