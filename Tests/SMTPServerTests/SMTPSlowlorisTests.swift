import Foundation
import HatoTesting
import Testing

/// Issue 16: a client trickling one byte every half second must not keep a session open. The
/// command line and the whole DATA phase have deadlines that bytes do not extend; the client
/// hears 421 4.4.2 (RFC 5321 §4.5.3.2) and the connection closes.
@Suite struct SMTPSlowlorisTests {
    /// Sends `payload` one byte per 0.5 s after `setup`, until the server says something; prints
    /// what it said and whether that came within 15 s.
    static func trickle(setup: String, payload: String) -> String {
        rawDialog + setup + """
            import select, time
            start = time.monotonic(); payload = \(payload); i = 0
            while time.monotonic() - start < 30:
                if select.select([s], [], [], 0.5)[0]: break
                try: s.sendall(payload[i % len(payload):][:1]); i += 1
                except OSError: break
            print(hear(), time.monotonic() - start < 15, i > 2)
            try: print(f.read() == b"")
            except ConnectionResetError: print(True)  # closed while a trickled byte was unread
            """
    }

    @Test func commandLineTrickledByteByByteGets421() async throws {
        let fixture = try await SMTPFixture.start(profile: .mx, timeouts: (command: .seconds(2), data: .seconds(30)))
        let result = try await Python.run(Self.trickle(setup: "say(b\"EHLO client.test\\r\\n\"); hear()\n",
                                                       payload: "b\"NOOP \" + b\"x\" * 400"), arguments: [fixture.port])
        #expect(result.stdout.hasSuffix("\n421 4.4.2 mail.example.test timeout, closing connection True True\nTrue\n"),
                "\(result.stdout) \(result.stderr)")
        try await fixture.stop()
    }

    @Test func dataPhaseTrickledByteByByteGets421AndNothingIsDelivered() async throws {
        // The idle data timer alone (30 s) never fires: a byte comes every half second.
        let fixture = try await SMTPFixture.start(profile: .mx, timeouts: (command: .seconds(30), data: .seconds(30)),
                                                  dataPhaseTimeout: .seconds(2))
        let result = try await Python.run(Self.trickle(setup: """
            say(b"EHLO client.test\\r\\n"); hear()
            say(b"MAIL FROM:<x@remote.test>\\r\\n"); hear()
            say(b"RCPT TO:<alice@example.test>\\r\\n"); hear()
            say(b"DATA\\r\\n"); hear()

            """, payload: "b\"Subject: slow\\r\\n\\r\\n\" + b\"x\" * 400"), arguments: [fixture.port])
        #expect(result.stdout.hasSuffix("\n421 4.4.2 mail.example.test timeout waiting for message data True True\nTrue\n"),
                "\(result.stdout) \(result.stderr)")
        #expect(try await fixture.inbox("alice@example.test").isEmpty)
        try await fixture.stop()
    }

    @Test func bdatChunksTrickledByteByByteGet421() async throws {
        let fixture = try await SMTPFixture.start(profile: .mx, timeouts: (command: .seconds(30), data: .seconds(30)),
                                                  dataPhaseTimeout: .seconds(2))
        let result = try await Python.run(Self.trickle(setup: """
            say(b"EHLO client.test\\r\\n"); hear()
            say(b"MAIL FROM:<x@remote.test>\\r\\n"); hear()
            say(b"RCPT TO:<alice@example.test>\\r\\n"); hear()
            say(b"BDAT 1000\\r\\n")

            """, payload: "b\"x\" * 1000"), arguments: [fixture.port])
        #expect(result.stdout.hasSuffix("\n421 4.4.2 mail.example.test timeout waiting for message data True True\nTrue\n"),
                "\(result.stdout) \(result.stderr)")
        try await fixture.stop()
    }
}
