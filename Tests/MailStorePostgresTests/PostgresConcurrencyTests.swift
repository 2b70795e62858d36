import Foundation
import HatoTesting
import MailCore
import MailStore
import MailStorePostgres
import Testing

/// RFC 9051 §2.3.1.1 and RFC 7162 §3.1 across nodes: two stores (two "nodes", each with its own
/// connection pool) append to one mailbox at once; UIDs and MODSEQs must come out strictly
/// ascending and gap-free, and a reader must never see a later UID before an earlier one.
@Suite struct PostgresConcurrencyTests {
    @Test func concurrentAppendsFromSeveralConnections() async throws {
        guard let test = try await testDatabase() else { return }
        let (cluster, database) = test
        let nodeA = openStore(cluster, database, maxConnections: 4)
        let nodeB = openStore(cluster, database, maxConnections: 4)
        try await nodeA.addDomain(try Domain("example.test"))
        let account = try await nodeA.addAccount(try EmailAddress("alice@example.test"), credentials: [], quota: .unlimited)
        let inbox = try #require(try await nodeB.mailbox(of: account.id, named: "INBOX"))
        let perNode = 60

        let (results, listings) = try await withThrowingTaskGroup(of: ([AppendResult], [[UInt32]]).self) { group in
            for (name, node) in [("a", nodeA), ("b", nodeB)] {
                for n in 0..<perNode {
                    group.addTask {
                        let bytes = Array("From: x@example.test\r\nSubject: \(name)\(n)\r\n\r\nbody \(name) \(n)\r\n".utf8)
                        return ([try await node.append(AppendRequest(bytes: bytes), to: inbox.id)], [])
                    }
                }
            }
            // A third party reading while both nodes write.
            group.addTask {
                var seen: [[UInt32]] = []
                while !Task.isCancelled {
                    do {
                        seen.append(try await nodeA.messages(in: inbox.id).map(\.uid))
                    } catch {
                        if Task.isCancelled { break }
                        throw error
                    }
                    try? await Task.sleep(for: .milliseconds(5))
                }
                return ([], seen)
            }
            var results: [AppendResult] = []
            var listings: [[UInt32]] = []
            var appends = 0
            for try await (appended, seen) in group {
                results += appended
                listings += seen
                appends += appended.count
                if appends == 2 * perNode { group.cancelAll() }
            }
            return (results, listings)
        }

        let total = 2 * perNode
        #expect(results.count == total)
        let byUID = results.sorted { $0.uid < $1.uid }
        #expect(byUID.map(\.uid) == Array(1...UInt32(total)), "every append got its own UID, none skipped")
        for (earlier, later) in zip(byUID, byUID.dropFirst()) {
            #expect(earlier.modSeq < later.modSeq, "MODSEQ ascends with UID: \(earlier.uid)/\(earlier.modSeq) then \(later.uid)/\(later.modSeq)")
        }
        var previous = 0
        for listing in listings {
            #expect(listing == (0..<listing.count).map { UInt32($0 + 1) }, "a reader sees UIDs 1...n with no gap: \(listing)")
            #expect(listing.count >= previous, "what a reader saw never goes away")
            previous = listing.count
        }
        let stored = try await nodeB.messages(in: inbox.id)
        #expect(stored.map(\.uid) == Array(1...UInt32(total)))
        #expect(zip(stored, stored.dropFirst()).allSatisfy { $0.modSeq < $1.modSeq })
        let status = try await nodeA.status(inbox.id)
        #expect(status.mailbox.uidNext == UInt32(total + 1))
        #expect(status.mailbox.highestModSeq == stored.last?.modSeq)
        #expect(try await nodeA.account(id: account.id)?.usage.messages == Int64(total), "the quota counter saw every append")
        try await nodeA.close()
        try await nodeB.close()
    }

    /// The same bytes delivered twice share one blob; it goes only when the last message does.
    @Test func identicalBodiesShareOneBlob() async throws {
        guard let test = try await testDatabase() else { return }
        let (cluster, database) = test
        let store = openStore(cluster, database)
        try await store.addDomain(try Domain("example.test"))
        let account = try await store.addAccount(try EmailAddress("bob@example.test"), credentials: [], quota: .unlimited)
        let inbox = try #require(try await store.mailbox(of: account.id, named: "INBOX"))
        let bytes = Array("Subject: same\r\n\r\nsame body\r\n".utf8)
        let first = try await store.append(AppendRequest(bytes: bytes), to: inbox.id)
        let second = try await store.append(AppendRequest(bytes: bytes), to: inbox.id)
        let messages = try await store.messages(in: inbox.id)
        #expect(messages.count == 2 && messages[0].body == messages[1].body)
        _ = try await store.expunge(in: inbox.id, uids: [first.uid])
        #expect(try await store.readBody(messages[1].body) == bytes, "the other message still reads its body")
        _ = try await store.expunge(in: inbox.id, uids: [second.uid])
        await #expect(throws: MailStoreError.self) { _ = try await store.readBody(messages[1].body) }
        try await store.close()
    }
}
