import Foundation
import HatoTesting
import MailCore
import MailStore
import MailStorePostgres
import Testing

/// Queue lease renewal (docs/scaling.md "Shared outbound queue"): a lease a node renews is not
/// taken over by another node when its first term ends; one it does not renew is.
@Suite struct PostgresLeaseRenewalTests {
    @Test func renewedLeaseOutlivesItsFirstTerm() async throws {
        guard let (cluster, database) = try await testDatabase() else { return }
        let store = openStore(cluster, database, maxConnections: 2)
        let slow = try EmailAddress("slow@elsewhere.test"), quick = try EmailAddress("quick@elsewhere.test")
        let id = try await store.enqueue(OutboundMessage(bytes: Array("Subject: x\r\n\r\nx\r\n".utf8), mailFrom: nil,
                                                         recipients: [QueuedRecipient(address: slow), QueuedRecipient(address: quick)]))
        let keys = [QueueRecipientKey(message: id, address: slow), QueueRecipientKey(message: id, address: quick)]
        let start = Date()
        #expect(try await store.claim(keys, owner: "node-a", lease: .seconds(10), now: start).count == 2)
        // Node A renews only the slow recipient's lease, 8 s in; node B looks 12 s in.
        #expect(try await store.renewLeases([keys[0]], owner: "node-a", lease: .seconds(10), now: start + 8) == 1)
        #expect(try await store.renewLeases([keys[0]], owner: "node-b", lease: .seconds(10), now: start + 8) == 0,
                "another node's lease is not renewed by a stranger")
        let takenOver = try await store.claim(keys, owner: "node-b", lease: .seconds(10), now: start + 12)
        #expect(takenOver == [keys[1]], "node B gets the lapsed lease and not the renewed one: \(takenOver)")
        #expect(try await store.claim(keys, owner: "node-b", lease: .seconds(10), now: start + 19) == Set(keys),
                "once node A stops renewing, its lease runs out too")
        try await store.close()
    }
}
