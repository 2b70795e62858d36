import Foundation
import HatoTesting
import Testing

/// RFC 5321 §4.5.3.2: a silent client is disconnected with 421 4.4.2, with one timer between
/// commands and another while message content is expected; a slow but steady client is not.
@Suite struct SMTPTimeoutTests {
    @Test func silentBetweenCommandsGets421() async throws {
        let fixture = try await SMTPFixture.start(profile: .mx, timeouts: (command: .seconds(1), data: .seconds(30)))
        let result = try await Python.run(rawDialog + """
            say(b"EHLO client.test\\r\\n"); hear()
            import time; time.sleep(2.5)
            print(hear())
            print(f.read() == b"")
            """, arguments: [fixture.port])
        #expect(afterGreeting(result.stdout) == "421 4.4.2 mail.example.test timeout, closing connection\nTrue\n", "\(result.stdout) \(result.stderr)")
        try await fixture.stop()
    }

    @Test func silentInsideDataGets421AndNothingIsDelivered() async throws {
        let fixture = try await SMTPFixture.start(profile: .mx, timeouts: (command: .seconds(30), data: .seconds(1)))
        let result = try await Python.run(rawDialog + """
            say(b"EHLO client.test\\r\\n"); hear()
            say(b"MAIL FROM:<x@remote.test>\\r\\n"); hear()
            say(b"RCPT TO:<alice@example.test>\\r\\n"); hear()
            say(b"DATA\\r\\n"); print(hear())
            say(b"Subject: half a message\\r\\n\\r\\nand then nothing")
            import time; time.sleep(2.5)
            print(hear())
            """, arguments: [fixture.port])
        #expect(afterGreeting(result.stdout).hasPrefix("354 "), "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.hasSuffix("\n421 4.4.2 mail.example.test timeout waiting for message data\n"), "\(result.stdout) \(result.stderr)")
        #expect(try await fixture.inbox("alice@example.test").isEmpty)
        try await fixture.stop()
    }

    @Test func slowButSteadyClientIsNotCutOff() async throws {
        // Each piece arrives well inside the 10 s data timeout (gaps of 1 s leave room for a
        // machine stalled by the whole suite on two cores: at a load average of 10-12, 0.5 s
        // gaps grew past a 5 s timeout), the whole message takes longer.
        let fixture = try await SMTPFixture.start(profile: .mx, timeouts: (command: .seconds(30), data: .seconds(10)))
        let result = try await Python.run(rawDialog + """
            import time
            say(b"EHLO client.test\\r\\n"); hear()
            say(b"MAIL FROM:<x@remote.test>\\r\\n"); hear()
            say(b"RCPT TO:<alice@example.test>\\r\\n"); hear()
            say(b"DATA\\r\\n"); hear()
            pieces = [b"Subject: slow\\r\\n", b"\\r\\n"] + [b"line %d\\r\\n" % n for n in range(1, 14)]
            for piece in pieces:
                say(piece); time.sleep(1)
            say(b".\\r\\n"); print(hear()[:3])
            say(b"QUIT\\r\\n"); print(hear()[:3])
            """, arguments: [fixture.port])
        #expect(afterGreeting(result.stdout) == "250\n221\n", "\(result.stdout) \(result.stderr)")
        let inbox = try await fixture.inbox("alice@example.test")
        #expect(inbox.count == 1 && inbox[0].hasSuffix("Subject: slow\r\n\r\n" + (1...13).map { "line \($0)\r\n" }.joined()))
        try await fixture.stop()
    }
}

/// The dialog output without the greeting line that `rawDialog` prints first.
private func afterGreeting(_ output: String) -> String {
    output.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).dropFirst().joined()
}
