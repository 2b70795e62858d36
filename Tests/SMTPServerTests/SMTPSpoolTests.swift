import Foundation
import HatoTesting
import SMTPServer
import Testing

/// Message content past `limits.spool_threshold` goes to an unnamed file (MessageSpool.swift)
/// and comes back byte for byte; when it cannot be written the client hears 452 4.3.1 and the
/// session goes on; `limits.processing_memory` lets messages into processing in arrival order.
@Suite struct SMTPSpoolTests {
    /// A 300 KB DATA message (dot-stuffed lines, long lines, 8-bit text) and a BDAT message in
    /// many chunks, each far over a 1 KiB threshold, arrive exactly as sent, and nothing is left
    /// in the spool directory (the files are unlinked from the start).
    @Test func spooledMessagesArriveByteForByte() async throws {
        let spool = try TemporaryDirectory(prefix: "hato-spool")
        let fixture = try await SMTPFixture.start(
            profile: .mx, maxMessageSize: 2_000_000,
            spool: MessageSpoolPolicy(directory: spool.url.path, threshold: 1_024, writeChunk: 4_096),
            processingGate: MessageProcessingGate(capacity: 64 * 1_024))
        let result = try await Python.run(rawDialog + """
            import random
            random.seed(7)
            lines = []
            for i in range(6000):
                kind = i % 4
                if kind == 0: lines.append(b".leading dot %d" % i)
                elif kind == 1: lines.append("行 %d 日本語のテキスト" % i)
                elif kind == 2: lines.append(b"x" * random.randint(0, 990))
                else: lines.append(b"")
            lines = [l if isinstance(l, bytes) else l.encode() for l in lines]
            body = b"Subject: spooled data\\r\\n\\r\\n" + b"\\r\\n".join(lines) + b"\\r\\n"
            stuffed = b"\\r\\n".join((b"." + l) if l.startswith(b".") else l for l in body.split(b"\\r\\n")[:-1]) + b"\\r\\n"
            say(b"EHLO client.test\\r\\n"); hear()
            say(b"MAIL FROM:<a@remote.test>\\r\\nRCPT TO:<alice@example.test>\\r\\nDATA\\r\\n"); hear(); hear(); print(hear())
            for i in range(0, len(stuffed), 7000): say(stuffed[i:i + 7000])
            say(b".\\r\\n"); print(hear())
            chunked = b"Subject: spooled bdat\\r\\n\\r\\n" + bytes(random.randrange(256) for _ in range(200000)).replace(b"\\r", b"").replace(b"\\n", b"") + b"\\r\\n"
            say(b"MAIL FROM:<a@remote.test>\\r\\nRCPT TO:<alice@example.test>\\r\\n"); hear(); hear()
            pieces = [chunked[i:i + 33333] for i in range(0, len(chunked), 33333)]
            for n, piece in enumerate(pieces):
                last = b" LAST" if n == len(pieces) - 1 else b""
                say(b"BDAT %d%s\\r\\n" % (len(piece), last) + piece); print(hear())
            say(b"QUIT\\r\\n"); print(hear())
            open(sys.argv[2], "wb").write(body + b"\\0SPLIT\\0" + chunked)
            """, arguments: [fixture.port, spool.url.appendingPathComponent("expected").path])
        #expect(result.status == 0, "\(result.stderr)")
        // The first line is the greeting (rawDialog prints it).
        let lines = result.stdout.split(separator: "\n").map(String.init).dropFirst()
        #expect(lines.first?.hasPrefix("354") == true, "\(result.stdout)")
        #expect(lines.dropFirst().dropLast().allSatisfy { $0.hasPrefix("250") }, "\(result.stdout)")
        let expected = try Data(contentsOf: spool.url.appendingPathComponent("expected"))
        let split = try #require(expected.range(of: Data("\0SPLIT\0".utf8)))
        let data = expected[..<split.lowerBound], bdat = expected[split.upperBound...]
        let stored = try await fixture.inboxBytes("alice@example.test")
        #expect(stored.count == 2)
        #expect(stored.first.map { $0.suffix(data.count) == data } == true, "the DATA message differs after the spool")
        #expect(stored.last.map { $0.suffix(bdat.count) == bdat } == true, "the BDAT message differs after the spool")
        let left = try FileManager.default.contentsOfDirectory(atPath: spool.url.path).filter { $0 != "expected" }
        #expect(left.isEmpty, "spool files are unnamed: \(left)")
        try await fixture.stop()
    }

    /// A spool directory that cannot be written: the message over the threshold is refused with
    /// 452 4.3.1 after the final dot (the client may try again), the session stays in step, and
    /// a message under the threshold in the same session is delivered.
    @Test func spoolFailureIs452AndTheSessionGoesOn() async throws {
        let fixture = try await SMTPFixture.start(
            profile: .mx, spool: MessageSpoolPolicy(directory: "/nonexistent/hato-spool", threshold: 2_048))
        let result = try await Python.run(rawDialog + """
            say(b"EHLO client.test\\r\\n"); hear()
            say(b"MAIL FROM:<a@remote.test>\\r\\nRCPT TO:<alice@example.test>\\r\\nDATA\\r\\n"); hear(); hear(); hear()
            say(b"Subject: large\\r\\n\\r\\n" + b"y" * 900 + b"\\r\\n" * 1 + (b"z" * 500 + b"\\r\\n") * 40 + b".\\r\\n"); print(hear())
            say(b"MAIL FROM:<a@remote.test>\\r\\nRCPT TO:<alice@example.test>\\r\\nDATA\\r\\n"); print(hear()); hear(); hear()
            say(b"Subject: small\\r\\n\\r\\nfits in memory\\r\\n.\\r\\n"); print(hear())
            say(b"QUIT\\r\\n"); print(hear())
            """, arguments: [fixture.port])
        let lines = result.stdout.split(separator: "\n").map(String.init).dropFirst()
        #expect(lines.count == 4, "\(result.stdout) \(result.stderr)")
        #expect(lines.first?.hasPrefix("452 4.3.1") == true, "\(result.stdout)")
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("250") || $0.hasPrefix("221") }, "\(result.stdout)")
        let alice = try await fixture.inbox("alice@example.test")
        #expect(alice.count == 1 && alice[0].hasSuffix("Subject: small\r\n\r\nfits in memory\r\n"))
        try await fixture.stop()
    }

    /// Ten clients end 100 KB messages at once with room for two at a time: all are delivered,
    /// none is refused for waiting.
    @Test func messagesWaitTheirTurnForProcessingMemory() async throws {
        let spool = try TemporaryDirectory(prefix: "hato-spool")
        let gate = MessageProcessingGate(capacity: 250_000)
        let fixture = try await SMTPFixture.start(
            profile: .mx, spool: MessageSpoolPolicy(directory: spool.url.path, threshold: 8_192), processingGate: gate)
        let result = try await Python.run("""
            import smtplib, sys, threading
            codes = []
            def send(n):
                s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
                body = ("Subject: %d\\r\\n\\r\\n" % n).encode() + (b"q" * 998 + b"\\r\\n") * 100
                codes.append(s.sendmail("a@remote.test", ["bob@example.test"], body)); s.quit()
            threads = [threading.Thread(target=send, args=(n,)) for n in range(10)]
            for t in threads: t.start()
            for t in threads: t.join()
            print(len(codes), all(c == {} for c in codes))
            """, arguments: [fixture.port])
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "10 True", "\(result.stdout) \(result.stderr)")
        #expect(try await fixture.inbox("bob@example.test").count == 10)
        let state = await gate.state
        #expect(state.held == 0 && state.waiting == 0, "every message gave its memory back")
        try await fixture.stop()
    }
}

/// The processing bound on its own: arrival order, and a message larger than the bound alone.
@Suite struct MessageProcessingGateTests {
    @Test func waitersAreLetInInArrivalOrderWithinTheBound() async throws {
        let gate = MessageProcessingGate(capacity: 100)
        await gate.acquire(60)
        let order = Recorder()
        let big = Task { await gate.acquire(80); await order.add("big") }
        while await gate.state.waiting < 1 { await Task.yield() }
        let small = Task { await gate.acquire(30); await order.add("small") }
        while await gate.state.waiting < 2 { await Task.yield() }
        // 30 would fit next to 60, but the larger message waiting before it goes first.
        #expect(await order.items.isEmpty)
        await gate.release(60)
        await big.value
        #expect(await order.items == ["big"])
        await gate.release(80)
        await small.value
        #expect(await order.items == ["big", "small"])
        await gate.release(30)
        // Larger than the whole bound: let in when nothing else is held.
        await gate.acquire(500)
        #expect(await gate.state.held == 500)
        await gate.release(500)
    }
}

private actor Recorder {
    var items: [String] = []
    func add(_ item: String) { items.append(item) }
}
