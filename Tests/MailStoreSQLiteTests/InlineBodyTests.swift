import Foundation
import HatoTesting
import MailCore
import MailStore
import MailStoreSQLite
import Testing

/// Small bodies kept in the database with their rows (`store.inline_body_max`, docs/storage.md):
/// what an operator sees on disk and from `hato store check`, and what clients read back.
@Suite struct InlineBodyTests {
    private func open(_ root: TemporaryDirectory, limit: Int = 65_536) async throws -> (SQLiteMailStore, MailboxID, MailboxID) {
        var options = SQLiteMailStore.Options()
        options.inlineBodyLimit = limit
        let store = try SQLiteMailStore(directory: root.url, options: options)
        if try await store.account(try EmailAddress("a@example.test")) == nil {
            try await store.addDomain(try Domain("example.test"))
            _ = try await store.addAccount(try EmailAddress("a@example.test"), credentials: [], quota: .unlimited)
        }
        let account = try #require(try await store.account(try EmailAddress("a@example.test")))
        let inbox = try #require(try await store.mailbox(of: account.id, named: "INBOX"))
        var other = try await store.mailbox(of: account.id, named: "Other")?.id
        if other == nil { other = try await store.createMailbox(of: account.id, named: "Other", specialUse: nil).id }
        return (store, inbox.id, try #require(other))
    }

    private func message(_ label: String, size: Int) -> [UInt8] {
        var bytes = Array("Subject: \(label)\r\n\r\n".utf8)
        while bytes.count < size { bytes += Array("line of \(label) \(bytes.count)\r\n".utf8) }
        return Array(bytes.prefix(size - 2)) + Array("\r\n".utf8)
    }

    /// Body files under messages/ (the hourly directories; tmp/ is for writes in progress).
    private func bodyFiles(_ root: TemporaryDirectory) throws -> [String] {
        let messages = root.url.appendingPathComponent("messages")
        return try FileManager.default.contentsOfDirectory(atPath: messages.path).filter { $0 != "tmp" }.flatMap { directory in
            try FileManager.default.contentsOfDirectory(atPath: messages.appendingPathComponent(directory).path).map { "\(directory)/\($0)" }
        }
    }

    @Test func smallMessagesGetNoFileAndReadBackByteForByte() async throws {
        let root = try TemporaryDirectory(prefix: "hato-inline")
        let (store, inbox, _) = try await open(root, limit: 4096)
        let small = message("small", size: 4096), large = message("large", size: 4097)
        _ = try await store.append(AppendRequest(bytes: small), to: inbox)
        #expect(try bodyFiles(root).isEmpty, "a message at the limit is kept in the database")
        _ = try await store.append(AppendRequest(bytes: large), to: inbox)
        #expect(try bodyFiles(root).count == 1, "one octet over the limit gets a file")
        let messages = try await store.messages(in: inbox)
        #expect(messages.map(\.size) == [4096, 4097])
        #expect(messages[0].body.path.hasPrefix("inline/") && !messages[1].body.path.hasPrefix("inline/"))
        #expect(try await store.readBody(messages[0].body) == small)
        #expect(try await store.readBodies(messages.map(\.body)) == [small, large])
        // Ranged reads (FETCH BODY[]<offset.length>, streaming): counted in octets, short at the end.
        #expect(try await store.readBody(messages[0].body, offset: 10, length: 20) == Array(small[10..<30]))
        #expect(try await store.readBody(messages[0].body, offset: 4090, length: 100) == Array(small[4090...]))
        #expect(try await store.readBody(messages[0].body, offset: 5000, length: 10) == [])
        #expect(try await store.checkStore().findings.isEmpty)
        try await store.close()
        withExtendedLifetime(root) {}
    }

    @Test func limitZeroKeepsEveryBodyInAFile() async throws {
        let root = try TemporaryDirectory(prefix: "hato-inline")
        let (store, inbox, _) = try await open(root, limit: 0)
        _ = try await store.append(AppendRequest(bytes: message("tiny", size: 40)), to: inbox)
        #expect(try bodyFiles(root).count == 1)
        try await store.close()
        withExtendedLifetime(root) {}
    }

    /// COPY shares the body; it goes only with the last message that names it, and a store
    /// reopened with files as the rule still reads what was stored inline.
    @Test func sharedByCopyAndDeletedWithTheLastReference() async throws {
        let root = try TemporaryDirectory(prefix: "hato-inline")
        let (store, inbox, other) = try await open(root)
        let bytes = message("shared", size: 2000)
        _ = try await store.append(AppendRequest(bytes: bytes), to: inbox)
        _ = try await store.copy(uids: [1], from: inbox, to: other, claimingRecent: false)
        _ = try await store.move(uids: [1], from: other, to: inbox, claimingRecent: false)
        #expect(try await store.expunge(in: inbox, uids: [1]) == [1])
        let left = try await store.messages(in: inbox)
        #expect(left.count == 1)
        #expect(try await store.readBody(left[0].body) == bytes, "the moved copy still reads after the original's expunge")
        try await store.close()

        let (reopened, inbox2, _) = try await open(root, limit: 0)
        #expect(try await reopened.readBody(left[0].body) == bytes)
        #expect(try await reopened.checkStore().findings.isEmpty)
        #expect(try await reopened.expunge(in: inbox2, uids: [left[0].uid]) == [left[0].uid])
        await #expect(throws: MailStoreError.self) { _ = try await reopened.readBody(left[0].body) }
        #expect(try await reopened.checkStore().findings.isEmpty, "no orphan left in the database")
        try await reopened.close()
        withExtendedLifetime(root) {}
    }

    /// Deleting a mailbox drops its inline bodies unless another mailbox still has the message.
    @Test func mailboxDeletionKeepsBodiesStillReferenced() async throws {
        let root = try TemporaryDirectory(prefix: "hato-inline")
        let (store, inbox, other) = try await open(root)
        _ = try await store.append(AppendRequest(bytes: message("a", size: 300)), to: other)
        _ = try await store.append(AppendRequest(bytes: message("b", size: 300)), to: other)
        _ = try await store.copy(uids: [2], from: other, to: inbox, claimingRecent: false)
        try await store.deleteMailbox(other)
        let kept = try await store.messages(in: inbox)
        #expect(try await store.readBody(kept[0].body) == message("b", size: 300))
        #expect(try await store.checkStore().findings.isEmpty, "the body only Other had is gone too")
        try await store.close()
        withExtendedLifetime(root) {}
    }

    /// An inline body nothing refers to (as a crash between a mailbox deletion's commit and its
    /// clean-up leaves) is reported and moved to lost+found as a file by the repair.
    @Test func orphanIsReportedAndRepairedIntoLostAndFound() async throws {
        let root = try TemporaryDirectory(prefix: "hato-inline")
        let (store, _, _) = try await open(root)
        try await store.close()
        let database = root.url.appendingPathComponent("hato.sqlite").path
        let inserted = try await Python.run("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("INSERT INTO message_blobs (path, data) VALUES ('inline/00ff', ?)", (b"orphan body\\r\\n",))
            db.commit()
            """, arguments: [database])
        #expect(inserted.status == 0, "\(inserted.stderr)")
        let (reopened, _, _) = try await open(root)
        let findings = try await reopened.checkStore().findings
        #expect(findings.map(\.problem) == [.orphanBody])
        _ = try await reopened.repairStore()
        #expect(try await reopened.checkStore().findings.isEmpty)
        let saved = root.url.appendingPathComponent("lost+found/inline/00ff")
        #expect(try Data(contentsOf: saved) == Data("orphan body\r\n".utf8))
        try await reopened.close()
        withExtendedLifetime(root) {}
    }

    /// A body gone from the database, and one shorter than its row says, as `hato store check`
    /// words them; the repair removes those messages (the truncated body kept in lost+found).
    @Test func missingAndTruncatedInlineBodiesAreReportedAndRepaired() async throws {
        let root = try TemporaryDirectory(prefix: "hato-inline")
        let (store, inbox, _) = try await open(root)
        for label in ["one", "two", "three"] { _ = try await store.append(AppendRequest(bytes: message(label, size: 100)), to: inbox) }
        let messages = try await store.messages(in: inbox)
        try await store.close()
        let damaged = try await Python.run("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("DELETE FROM message_blobs WHERE path = ?", (sys.argv[2],))
            db.execute("UPDATE message_blobs SET data = substr(data, 1, 10) WHERE path = ?", (sys.argv[3],))
            db.commit()
            """, arguments: [root.url.appendingPathComponent("hato.sqlite").path, messages[0].body.path, messages[1].body.path])
        #expect(damaged.status == 0, "\(damaged.stderr)")
        let (reopened, _, _) = try await open(root)
        let findings = try await reopened.checkStore().findings
        #expect(findings.map(\.detail).sorted() == [
            "a@example.test \"INBOX\" UID 1: body hato.sqlite \(messages[0].body.path) does not exist",
            "body hato.sqlite \(messages[1].body.path) has 10 bytes, but a@example.test \"INBOX\" UID 2 says 100",
        ], "\(findings)")
        _ = try await reopened.repairStore()
        #expect(try await reopened.checkStore().findings.isEmpty)
        #expect(try await reopened.messages(in: inbox).map(\.uid) == [3])
        #expect(try await reopened.readBody(messages[2].body) == message("three", size: 100))
        #expect(try Data(contentsOf: root.url.appendingPathComponent("lost+found/" + messages[1].body.path)).count == 10)
        try await reopened.close()
        withExtendedLifetime(root) {}
    }

    /// Every target refusing (quota) leaves nothing behind.
    @Test func refusedDeliveryLeavesNoBody() async throws {
        let root = try TemporaryDirectory(prefix: "hato-inline")
        let store = try SQLiteMailStore(directory: root.url)
        try await store.addDomain(try Domain("example.test"))
        let account = try await store.addAccount(try EmailAddress("q@example.test"), credentials: [],
                                                 quota: Quota(maxBytes: 100))
        let inbox = try #require(try await store.mailbox(of: account.id, named: "INBOX"))
        let results = try await store.deliver(AppendRequest(bytes: message("big", size: 500)), to: [inbox.id])
        #expect(throws: MailStoreError.self) { try results[0].get() }
        #expect(try await store.checkStore().findings.isEmpty, "no orphan inline body")
        try await store.close()
        withExtendedLifetime(root) {}
    }
}
