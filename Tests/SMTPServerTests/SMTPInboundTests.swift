import Foundation
import HatoTesting
import MailCore
import MailStore
import Testing

/// The MX listener through Python's smtplib and raw sockets.
@Suite struct SMTPInboundTests {
    @Test func deliversToLocalUsersByteForByte() async throws {
        let fixture = try await SMTPFixture.start(profile: .mx)
        let message = "From: Sender <sender@remote.test>\r\nTo: alice@example.test\r\nSubject: hello\r\n\r\nbody line\r\n..leading dot\r\n"
        let result = try await Python.run("""
            import smtplib, sys
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="client.remote.test")
            code, text = s.ehlo(); print(code, sorted(s.esmtp_features))
            print(s.sendmail("sender@remote.test", ["alice+tag@example.test", "sales@example.test", "BOB@EXAMPLE.TEST"], sys.argv[2].encode()))
            print(s.quit())
            """, arguments: [fixture.port, message])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("250 ['8bitmime', 'chunking', 'dsn', 'enhancedstatuscodes', 'pipelining', 'size', 'smtputf8', 'starttls']"), "\(result.stdout)")
        #expect(result.stdout.contains("{}"), "every recipient accepted")
        let alice = try await fixture.inbox("alice@example.test")
        #expect(alice.count == 1, "alice reached twice (+tag and alias) gets one copy")
        let stored = try #require(alice.first)
        // Two accounts share one stored body, so it names neither (no Delivered-To that would
        // tell alice that bob got it too).
        #expect(stored.hasPrefix("Return-Path: <sender@remote.test>\r\nReceived: from client.remote.test ([127.0.0.1])\r\n\tby mail.example.test (Hato) with ESMTP id "))
        #expect(!stored.contains("Delivered-To"))
        // smtplib dot-stuffs and the server unstuffs: after the trace headers the stored message
        // is exactly what was given to sendmail.
        #expect(stored.hasSuffix("\r\n" + message), "\(stored)")
        #expect(try await fixture.inbox("bob@example.test") == [stored], "bob's copy is the same body")
        try await fixture.stop()
    }

    /// No open relay: classic relay tricks are refused for outside targets and accepted only
    /// when they name a real local mailbox.
    @Test func refusesRelayTricks() async throws {
        let fixture = try await SMTPFixture.start(profile: .mx)
        let attempts = [
            "<victim@elsewhere.test>", "<victim%elsewhere.test@example.test>", "<elsewhere.test!victim@example.test>",
            "<\"victim@elsewhere.test\"@example.test>", "<@example.test:victim@elsewhere.test>", "<victim>",
            "<victim@[192.0.2.1]>", "<victim@elsewhere.test@example.test>", "<victim@example.test.elsewhere.test>",
            "<victim@elsewhere.test.>", "<\"victim%elsewhere.test\"@example.test>", "<victim@[IPv6:2001:db8::1]>",
            "<victim@localhost>", "<nobody@example.test>", "<victim@elsewhere.test >", "<postmaster@elsewhere.test>",
            "<alice@Example.Test.>",  // a trailing dot is not RFC 5321 Domain syntax: 501
        ]
        let accepted = ["<ALICE@EXAMPLE.TEST>", "<Alice@example.TEST>", "<@relay.test:alice@example.test>"]
        // A new connection per attempt: refusals count towards the per-session error limit.
        let script = """
            import socket, sys
            for rcpt in sys.argv[2:]:
                s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); f = s.makefile("rb")
                def hear():
                    while True:
                        line = f.readline().decode().rstrip("\\r\\n")
                        if len(line) < 4 or line[3] != "-": return line
                hear()
                s.sendall(b"EHLO client.test\\r\\nMAIL FROM:<a@remote.test>\\r\\n"); hear(); hear()
                s.sendall(b"RCPT TO:" + rcpt.encode() + b"\\r\\n"); print(rcpt, "=>", hear())
                s.sendall(b"QUIT\\r\\n"); hear(); s.close()
            """
        let result = try await Python.run(script, arguments: [fixture.port] + attempts + accepted)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        guard lines.count == attempts.count + accepted.count else { Issue.record("\(result.stdout) \(result.stderr)"); return }
        for line in lines.prefix(attempts.count) {
            #expect(line.contains("=> 5"), "must be refused: \(line)")
        }
        for line in lines.suffix(accepted.count) {
            #expect(line.contains("=> 250 2.1.5"), "local mailbox must be accepted: \(line)")
        }
        #expect(lines[0].contains("550 5.7.1 Relaying denied"))
        #expect(lines[13].contains("550 5.1.1"), "unknown local user: \(lines[13])")
        try await fixture.stop()
    }

    @Test func smugglingAndBareLineEndingsNeverEndData() async throws {
        let fixture = try await SMTPFixture.start(profile: .mx)
        let result = try await Python.run(rawDialog + """
            say(b"EHLO client.test\\r\\n"); hear()
            say(b"MAIL FROM:<a@remote.test>\\r\\nRCPT TO:<alice@example.test>\\r\\nDATA\\r\\n")
            print(hear()); print(hear()); print(hear())
            say(b"Subject: one\\r\\n\\r\\nfirst\\n.\\nMAIL FROM:<evil@remote.test>\\nRCPT TO:<bob@example.test>\\nDATA\\nsmuggled\\r.\\r\\nend\\r\\n.\\r\\n")
            print(hear())
            say(b"NOOP\\r\\n"); print(hear())
            say(b"QUIT\\r\\n"); print(hear())
            """, arguments: [fixture.port])
        #expect(result.stdout.contains("250 2.1.0"), "\(result.stdout) \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines[4].hasPrefix("554 5.6.0"), "bare LF refused after the final dot: \(lines)")
        #expect(lines[5].hasPrefix("250"), "session still in step")
        #expect(try await fixture.inbox("alice@example.test").isEmpty)
        #expect(try await fixture.inbox("bob@example.test").isEmpty, "nothing smuggled")
        try await fixture.stop()
    }

    @Test func pipeliningBDATSizeAndLimits() async throws {
        // The smallest limits RFC 5321 allows (§4.5.3.1.8: 100 recipients; §4.5.3.1.7: 64 KB).
        let fixture = try await SMTPFixture.start(profile: .mx, maxMessageSize: 65536, maxRecipients: 100)
        let result = try await Python.run(rawDialog + """
            say(b"EHLO client.test\\r\\n"); print(hear())
            say(b"MAIL FROM:<a@remote.test> SIZE=70000\\r\\n"); print(hear())
            say(b"MAIL FROM:<a@remote.test> BODY=8BITMIME\\r\\nRCPT TO:<alice@example.test>\\r\\nRCPT TO:<bob@example.test>\\r\\n" + b"".join(b"RCPT TO:<alice+%d@example.test>\\r\\n" % i for i in range(99)))
            print(hear()); print(hear()); print(hear())
            for i in range(98): hear()
            print(hear())
            body = "Subject: chunked\\r\\n\\r\\n日本語\\r\\n".encode()
            say(b"BDAT %d\\r\\n" % 10 + body[:10]); print(hear())
            say(b"BDAT %d LAST\\r\\n" % (len(body) - 10) + body[10:]); print(hear())
            say(b"MAIL FROM:<a@remote.test>\\r\\nRCPT TO:<full@example.test>\\r\\n"); print(hear()); print(hear())
            say(b"RSET\\r\\nMAIL FROM:<a@remote.test>\\r\\nRCPT TO:<alice@example.test>\\r\\nDATA\\r\\n"); print(hear()); print(hear()); print(hear()); print(hear())
            say(b"Subject: big\\r\\n\\r\\n" + (b"x" * 998 + b"\\r\\n") * 80 + b".\\r\\n"); print(hear())
            say(b"NOOP " + b"y" * 5000 + b"\\r\\n"); print(hear())
            say(b"BDAT 5\\r\\nhello"); print(hear())
            say(b"QUIT\\r\\n"); print(hear())
            """, arguments: [fixture.port])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        guard lines.count == 19 else { Issue.record("unexpected: \(result.stdout) \(result.stderr)"); return }
        #expect(lines[1].contains("SIZE 65536"))
        #expect(lines[2].hasPrefix("552 5.3.4"), "SIZE over the limit refused at MAIL: \(lines[2])")
        #expect(lines[3].hasPrefix("250 2.1.0") && lines[4].hasPrefix("250 2.1.5") && lines[5].hasPrefix("250 2.1.5"))
        #expect(lines[6].hasPrefix("452 4.5.3"), "recipient 101 over max_recipients: \(lines[6])")
        #expect(lines[7].hasPrefix("250"), "first chunk: \(lines[7])")
        #expect(lines[8].hasPrefix("250 2.0.0"), "last chunk delivers: \(lines[8])")
        #expect(lines[10].hasPrefix("452 4.2.2"), "mailbox full at RCPT: \(lines[10])")
        #expect(lines[14].hasPrefix("354"))
        #expect(lines[15].hasPrefix("552 5.3.4"), "DATA over the limit refused after the dot: \(lines[15])")
        #expect(lines[16].hasPrefix("500 5.5.2"), "line too long: \(lines[16])")
        #expect(lines[17].hasPrefix("503 5.5.1"), "BDAT without a transaction, its octets discarded: \(lines[17])")
        #expect(lines[18].hasPrefix("221"), "still in step after the discarded chunk: \(lines[18])")
        let alice = try await fixture.inbox("alice@example.test")
        #expect(alice.count == 1 && alice[0].hasSuffix("Subject: chunked\r\n\r\n日本語\r\n"))
        try await fixture.stop()
    }

    /// A client pipelining BDAT chunks past the size limit hears 552 for each chunk it sent
    /// before it could see the first (RFC 3030 §2) and keeps its session: size refusals do not
    /// count towards the error limit (they used to, and the eleventh chunk got 421 and a close).
    @Test func pipelinedChunksPastTheLimitEachGet552AndTheSessionGoesOn() async throws {
        let fixture = try await SMTPFixture.start(profile: .mx, maxMessageSize: 65536)
        let result = try await Python.run(rawDialog + """
            say(b"EHLO client.test\\r\\n"); hear()
            say(b"MAIL FROM:<a@remote.test>\\r\\nRCPT TO:<alice@example.test>\\r\\n"); hear(); hear()
            chunk = b"x" * 998 + b"\\r\\n"
            say(b"".join(b"BDAT 10000\\r\\n" + chunk * 10 for _ in range(30)) + b"BDAT 0 LAST\\r\\n")
            print(" ".join(hear()[:3] for _ in range(31)))
            say(b"NOOP\\r\\n"); print(hear())
            say(b"MAIL FROM:<a@remote.test>\\r\\nRCPT TO:<alice@example.test>\\r\\nBDAT 13 LAST\\r\\nSubject: ok\\r\\n"); hear(); hear(); print(hear())
            """, arguments: [fixture.port])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        guard lines.count == 4 else { Issue.record("unexpected: \(result.stdout) \(result.stderr)"); return }
        #expect(lines[1] == (Array(repeating: "250", count: 6) + Array(repeating: "552", count: 25)).joined(separator: " "), "\(lines[1])")
        #expect(lines[2].hasPrefix("250 2.0.0"), "the session goes on: \(lines[2])")
        #expect(lines[3].hasPrefix("250 2.0.0"), "and delivers the next message: \(lines[3])")
        try await fixture.stop()
    }

    @Test func smtpUTF8JapaneseMessage() async throws {
        let fixture = try await SMTPFixture.start(profile: .mx)
        try await fixture.store.addAlias(Alias(source: try AliasSource("山田@example.test"), targets: [try EmailAddress("alice@example.test")]))
        let result = try await Python.run("""
            import smtplib, sys
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
            msg = "From: 送信者 <送信者@remote.test>\\r\\nSubject: 日本語の件名\\r\\n\\r\\n本文です。\\r\\n".encode()
            print(s.sendmail("送信者@remote.test", ["山田@example.test"], msg, mail_options=["SMTPUTF8", "BODY=8BITMIME"]))
            s.quit()
            """, arguments: [fixture.port])
        #expect(result.stdout == "{}\n", "\(result.stderr)")
        let stored = try #require(try await fixture.inbox("alice@example.test").first)
        #expect(stored.hasPrefix("Return-Path: <送信者@remote.test>"))
        #expect(stored.hasSuffix("Subject: 日本語の件名\r\n\r\n本文です。\r\n"))
        try await fixture.stop()
    }
}
