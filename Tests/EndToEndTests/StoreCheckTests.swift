import Foundation
import HatoServer
import HatoTesting
import MailCore
import MailStore
import MailStoreSQLite
import Testing

/// `hato store check [--repair]` through the real binary: a store broken in each way the check
/// knows, the lines it prints, the exit status, and what the repair keeps.
@Suite struct StoreCheckTests {
    let directory = try! TemporaryDirectory(prefix: "hato-store-check")
    var config: String { directory.url.appendingPathComponent("hato.toml").path }
    var data: URL { directory.url.appendingPathComponent("data") }

    init() throws {
        try """
            data_dir = "data"
            [listen]
            imap = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [store]
            inline_body_max = 0
            """.write(toFile: directory.url.appendingPathComponent("hato.toml").path, atomically: true, encoding: .utf8)
    }

    func hato(_ arguments: String..., stdin: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await HatoBinary.run(arguments + ["--config", config], stdin: stdin)
    }

    /// An account with four messages in INBOX, imported through the binary.
    func makeStore() async throws {
        #expect(try await hato("domain", "add", "example.test").status == 0)
        #expect(try await hato("account", "add", "a@example.test", "--password-stdin", stdin: "long enough pw\n").status == 0)
        let mbox = directory.url.appendingPathComponent("in.mbox")
        try (1...4).map { "From x@example.test Sat Jan  3 01:05:34 1996\nSubject: message \($0)\n\nbody of message \($0)\n" }
            .joined(separator: "\n").write(to: mbox, atomically: true, encoding: .utf8)
        #expect(try await hato("mailbox", "import", "a@example.test", "INBOX", mbox.path).status == 0)
    }

    func sql(_ statements: String) async throws {
        let result = try await Python.run("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1]); db.executescript(sys.argv[2]); db.commit()
            """, arguments: [data.appendingPathComponent("hato.sqlite").path, statements])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func eachKindOfDamageIsReportedThenRepairedKeepingGoodMessages() async throws {
        try await makeStore()
        let clean = try await hato("store", "check")
        #expect(clean.status == 0 && clean.stdout == "store is consistent: 6 mailboxes, 4 messages, 0 queue entries, 4 bodies\n",
                "\(clean)")

        let store = try SQLiteMailStore(directory: data)
        let account = try #require(try await store.account(try EmailAddress("a@example.test")))
        let inbox = try #require(try await store.mailbox(of: account.id, named: "INBOX"))
        let messages = try await store.messages(in: inbox.id)
        #expect(messages.map(\.uid) == [1, 2, 3, 4])
        let kept = try await [messages[2], messages[3]].asyncMap { try await store.readBody($0.body) }
        let queued = try await store.enqueue(OutboundMessage(
            bytes: Array("Subject: out\r\n\r\nhi\r\n".utf8), mailFrom: try EmailAddress("a@example.test"),
            recipients: [QueuedRecipient(address: try EmailAddress("b@elsewhere.test"))]))
        let queueBody = try #require(try await store.queuedMessage(queued)).body.path
        try await store.close()

        // The damage: a body gone, a body truncated, a stray file, a half-written file, a queue
        // entry without its body, counters too low.
        let bodies = data.appendingPathComponent("messages")
        func file(_ path: String) -> String { bodies.appendingPathComponent(path).path }
        let shard = messages[0].body.path.split(separator: "/")[0]
        try FileManager.default.removeItem(atPath: file(messages[0].body.path))
        let truncated = try FileHandle(forWritingTo: URL(fileURLWithPath: file(messages[1].body.path)))
        try truncated.truncate(atOffset: 10)
        try truncated.close()
        try "stray".write(toFile: file("\(shard)/0000orphan"), atomically: false, encoding: .utf8)
        try "half a mess".write(toFile: file("tmp/partial"), atomically: false, encoding: .utf8)
        try FileManager.default.removeItem(atPath: file(queueBody))
        try await sql("UPDATE mailboxes SET uid_next = 2, highest_modseq = 1 WHERE name = 'INBOX'; UPDATE accounts SET used_messages = 99;")

        let bytes = messages.reduce(0) { $0 + $1.size }
        let expected = [
            "uidnext: a@example.test \"INBOX\": UIDNEXT 2 is not above UID 4",
            "highestmodseq: a@example.test \"INBOX\": HIGHESTMODSEQ 1 is below MODSEQ 5 of UID 4",
            "quota-usage: a@example.test: usage recorded as 99 messages, \(bytes) bytes; its mailboxes hold 4 messages, \(bytes) bytes",
            "missing-body: a@example.test \"INBOX\" UID 1: body file messages/\(messages[0].body.path) does not exist",
            "body-size: body file messages/\(messages[1].body.path) has 10 bytes, but a@example.test \"INBOX\" UID 2 says \(messages[1].size)",
            "missing-body: queue message \(queued): body file messages/\(queueBody) does not exist",
            "orphan-body: messages/\(shard)/0000orphan (5 bytes): no message or queue entry refers to it",
            "unfinished-body: messages/tmp/partial (11 bytes): left by a write that never completed",
        ]
        let broken = try await hato("store", "check")
        #expect(broken.status == 1)
        let lines = broken.stdout.split(separator: "\n").map(String.init)
        #expect(Set(lines.dropLast()) == Set(expected) && lines.count == expected.count + 1, "\(broken.stdout)")
        #expect(lines.last == "8 problem(s) found, 8 repairable with --repair")

        let repaired = try await hato("store", "check", "--repair")
        #expect(repaired.status == 0, "\(repaired)")
        let actions = repaired.stdout.split(separator: "\n").map(String.init)
        for finding in expected { #expect(actions.contains { $0.hasPrefix(finding + " -> ") }, "no repair line for: \(finding)") }
        #expect(actions.contains("missing-body: a@example.test \"INBOX\" UID 1: body file messages/\(messages[0].body.path) does not exist"
                                 + " -> removed a@example.test \"INBOX\" UID 1"))
        #expect(actions.contains("orphan-body: messages/\(shard)/0000orphan (5 bytes): no message or queue entry refers to it"
                                 + " -> moved to lost+found/\(shard)/0000orphan"))
        #expect(actions.contains("uidnext: a@example.test \"INBOX\": UIDNEXT 2 is not above UID 4 -> UIDNEXT raised to 5"))
        #expect(actions.last == "after repair: store is consistent: 6 mailboxes, 2 messages, 0 queue entries, 2 bodies")
        #expect(try await hato("store", "check").status == 0)

        // Nothing destroyed: the stray, half-written and truncated files are in lost+found.
        let lostAndFound = data.appendingPathComponent("lost+found")
        #expect(try String(contentsOf: lostAndFound.appendingPathComponent("\(shard)/0000orphan"), encoding: .utf8) == "stray")
        #expect(try String(contentsOf: lostAndFound.appendingPathComponent("tmp/partial"), encoding: .utf8) == "half a mess")
        #expect(try Data(contentsOf: lostAndFound.appendingPathComponent(messages[1].body.path)).count == 10)

        // The good messages are untouched; the removed ones are expunges a QRESYNC client hears of.
        let after = try SQLiteMailStore(directory: data)
        let mailbox = try #require(try await after.mailbox(id: inbox.id))
        let left = try await after.messages(in: inbox.id)
        #expect(left.map(\.uid) == [3, 4])
        #expect(try await left.asyncMap { try await after.readBody($0.body) } == kept)
        #expect(left.map(\.modSeq) == [4, 5])
        #expect(mailbox.uidNext == 5 && mailbox.uidValidity == inbox.uidValidity)
        #expect(mailbox.highestModSeq >= 7)
        #expect(try await after.expungedUIDs(in: inbox.id, since: 5) == [1, 2])
        #expect(try await after.account(id: account.id)?.usage == QuotaUsage(bytes: left[0].size + left[1].size, messages: 2))
        #expect(try await after.queuedMessages().isEmpty)
        try await after.close()
    }

    @Test func queueEntriesAndIdentitiesThatCannotBeTrustedAreRepaired() async throws {
        try await makeStore()
        let store = try SQLiteMailStore(directory: data)
        let account = try #require(try await store.account(try EmailAddress("a@example.test")))
        let inbox = try #require(try await store.mailbox(of: account.id, named: "INBOX"))
        let sent = try #require(try await store.mailbox(of: account.id, named: "Sent"))
        let queued = try await store.enqueue(OutboundMessage(
            bytes: Array("Subject: out\r\n\r\nhi\r\n".utf8), mailFrom: try EmailAddress("a@example.test"),
            recipients: [QueuedRecipient(address: try EmailAddress("b@elsewhere.test"))]))
        let queueBody = try #require(try await store.queuedMessage(queued)).body.path
        try await store.close()
        // A queue entry whose only recipient is done (the last outcome removes the entry in the
        // same transaction, so this never commits), a recipient of no entry, two mailboxes with
        // one UIDVALIDITY, a present UID listed as expunged.
        try await sql("""
            UPDATE queue_recipients SET state = 'delivered' WHERE message_id = \(queued);
            INSERT INTO queue_recipients VALUES (999, 0, 'x@elsewhere.test', NULL, NULL, 'queued', 0, 0, NULL);
            UPDATE mailboxes SET uid_validity = \(inbox.uidValidity) WHERE id = \(sent.id);
            INSERT INTO expunged (mailbox_id, uid, modseq) VALUES (\(inbox.id), 3, 5);
            """)
        let broken = try await hato("store", "check")
        #expect(broken.status == 1)
        let lines = broken.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("queue-entry: queue message \(queued) has no recipient left to deliver (1 delivered or failed)"), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("foreign-key: queue_recipients row ") && $0.hasSuffix(" refers to a missing queue_messages row") })
        #expect(lines.contains("uidvalidity: UIDVALIDITY \(inbox.uidValidity) is shared by a@example.test \"INBOX\", a@example.test \"Sent\""))
        #expect(lines.contains("expunged-present: a@example.test \"INBOX\": UID 3 recorded as expunged but still present"))
        #expect(lines.last == "4 problem(s) found, 4 repairable with --repair")

        let repaired = try await hato("store", "check", "--repair")
        #expect(repaired.status == 0, "\(repaired)")
        #expect(repaired.stdout.contains("(1 delivered or failed) -> removed; body moved to lost+found/\(queueBody)"), "\(repaired.stdout)")
        #expect(FileManager.default.fileExists(atPath: data.appendingPathComponent("lost+found/\(queueBody)").path))
        let after = try SQLiteMailStore(directory: data)
        #expect(try await after.mailbox(id: inbox.id)?.uidValidity == inbox.uidValidity, "the first mailbox keeps its UIDVALIDITY")
        #expect(try #require(try await after.mailbox(id: sent.id)).uidValidity > inbox.uidValidity)
        #expect(try await after.messages(in: inbox.id).map(\.uid) == [1, 2, 3, 4])
        #expect(try await after.expungedUIDs(in: inbox.id, since: 0).isEmpty)
        #expect(try await after.queuedMessages().isEmpty)
        try await after.close()
    }

    /// Quarantined bodies are files like the queue's: referenced (not orphans), missing ones
    /// found and their rows removed by the repair.
    @Test func quarantinedBodiesAreAccountedFor() async throws {
        try await makeStore()
        let store = try SQLiteMailStore(directory: data)
        let kept = try await store.quarantine(QuarantineRequest(
            bytes: Array("Subject: held\r\n\r\nx\r\n".utf8), mailFrom: nil, recipients: [try EmailAddress("a@example.test")],
            verdict: "verdict=phishing; score=9", reason: "test", subject: "held", from: nil))
        let lost = try await store.quarantine(QuarantineRequest(
            bytes: Array("Subject: lost\r\n\r\ny\r\n".utf8), mailFrom: nil, recipients: [try EmailAddress("a@example.test")],
            verdict: "verdict=phishing; score=9", reason: "test", subject: "lost", from: nil))
        try await store.close()
        #expect(try await hato("store", "check").status == 0, "held bodies are not orphans")
        try FileManager.default.removeItem(at: data.appendingPathComponent("messages/\(lost.body.path)"))
        let broken = try await hato("store", "check")
        #expect(broken.status == 1 && broken.stdout.contains("quarantined message \(lost.id)"), "\(broken.stdout)")
        #expect(try await hato("store", "check", "--repair").status == 0)
        let after = try SQLiteMailStore(directory: data)
        #expect(try await after.quarantinedMessages().map(\.id) == [kept.id])
        try await after.close()
    }

    @Test func refusesWhileServeHoldsTheDataDirectory() async throws {
        let missing = try await hato("store", "check")
        #expect(missing.status == 2 && missing.stderr.contains("hato store check: no store in"), "\(missing)")

        try await makeStore()
        let server = try HatoProcess(["serve", "--config", config])
        try await server.waitFor("the listeners") { out, _ in out.contains("imap") }
        let refused = try await hato("store", "check", "--repair")
        #expect(refused.status == 2, "\(refused)")
        #expect(refused.stderr.contains("the data directory is in use by a running `hato serve`"), "\(refused.stderr)")
        #expect(refused.stdout.isEmpty)

        // The kernel drops the lock with the process, SIGKILL included.
        server.signal(SIGKILL)
        #expect(await server.exit() == SIGKILL)
        let after = try await hato("store", "check")
        #expect(after.status == 0, "\(after)")

        // And a server does not start while a check holds the directory.
        let check = try DataDirectoryLock(dataDirectory: data, mode: .exclusive)
        let serve = try await HatoBinary.run(["serve", "--config", config], timeout: .seconds(30))
        #expect(serve.status == 1 && serve.stderr.contains("is held by `hato store check`"), "\(serve)")
        withExtendedLifetime(check) {}
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
