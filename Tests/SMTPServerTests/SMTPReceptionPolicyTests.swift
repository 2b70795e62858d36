import Foundation
import HatoTesting
import MailCore
import MailStore
import Testing

/// What reaches the mailbox and what the client hears, through smtplib over loopback: forged
/// Authentication-Results (RFC 8601 §5), refused recipients that must not end the transaction,
/// BDAT then DATA (RFC 3030 §2), `<Postmaster>` (RFC 5321 §4.5.1), and the header senders a
/// submission user may use.
@Suite struct SMTPReceptionPolicyTests {
    @Test func forgedAuthenticationResultsNeverReachTheMailbox() async throws {
        let fixture = try await SMTPFixture.start(profile: .mx)
        // Every way of writing our authserv-id: comment first, quoted, folded, other letter case;
        // the one with another authserv-id is someone else's and stays.
        let message = """
            Authentication-Results: (forged) mail.example.test; dkim=pass header.d=bank.test; dmarc=pass\r
            Authentication-Results: "mail.example.test"; arc=pass\r
            Authentication-Results:\r
             MAIL.Example.TEST;\r
             spf=pass smtp.mailfrom=bank.test\r
            Authentication-Results: (a (nested) comment)\t"MAIL.EXAMPLE.TEST" ; dkim=pass\r
            Authentication-Results: other.example.net; spf=fail\r
            From: Bank <alerts@bank.test>\r
            To: alice@example.test\r
            Subject: your account\r
            \r
            click here\r

            """
        let result = try await Python.run("""
            import smtplib, sys
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
            print(s.sendmail("alerts@bank.test", ["alice@example.test"], sys.argv[2].encode()))
            s.quit()
            """, arguments: [fixture.port, message])
        #expect(result.stdout == "{}\n", "\(result.stderr)")
        let stored = try #require(try await fixture.inbox("alice@example.test").first)
        let fields = stored.components(separatedBy: "\r\n\r\n")[0].replacingOccurrences(of: "\r\n ", with: " ")
            .components(separatedBy: "\r\n").filter { $0.lowercased().hasPrefix("authentication-results:") }
        #expect(fields == ["Authentication-Results: other.example.net; spf=fail"], "\(stored)")
        #expect(!stored.contains("dmarc=pass") && !stored.contains("arc=pass") && !stored.contains("header.d=bank.test"))
        #expect(stored.hasSuffix("From: Bank <alerts@bank.test>\r\nTo: alice@example.test\r\nSubject: your account\r\n\r\nclick here\r\n"))
        try await fixture.stop()
    }

    @Test func refusedRecipientsDoNotEndTheTransaction() async throws {
        let fixture = try await SMTPFixture.start(profile: .mx)
        let result = try await Python.run("""
            import smtplib, sys
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1])); s.ehlo()
            s.mail("sender@remote.test")
            print(s.rcpt("alice@example.test")[0])
            print(sorted(set(s.rcpt(f"nobody{n}@example.test")[0] for n in range(12))))
            print(s.rcpt("someone@elsewhere.test")[0])
            print(s.data(b"Subject: hi\\r\\n\\r\\nstill here\\r\\n")[0])
            s.quit()
            """, arguments: [fixture.port])
        #expect(result.stdout == "250\n[550]\n550\n250\n", "\(result.stdout) \(result.stderr)")
        #expect(try await fixture.inbox("alice@example.test").first?.hasSuffix("still here\r\n") == true)
        try await fixture.stop()
    }

    @Test func dataAfterBDATIsRefused() async throws {
        let fixture = try await SMTPFixture.start(profile: .mx)
        let result = try await Python.run("""
            import smtplib, sys
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1])); s.ehlo()
            s.mail("sender@remote.test"); s.rcpt("alice@example.test")
            s.send(b"BDAT 14\\r\\nSubject: a\\r\\n\\r\\n"); print(s.getreply()[0])
            print(s.docmd("DATA")[0])
            print(s.docmd("RSET")[0])
            s.quit()
            """, arguments: [fixture.port])
        #expect(result.stdout == "250\n503\n250\n", "RFC 3030 §2, DATA after BDAT: \(result.stdout) \(result.stderr)")
        #expect(try await fixture.inbox("alice@example.test").isEmpty, "nothing joined and stored")
        try await fixture.stop()
    }

    @Test func barePostmasterIsAcceptedForThePrimaryDomain() async throws {
        let fixture = try await SMTPFixture.start(profile: .mx)
        let script = """
            import smtplib, sys
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1])); s.ehlo()
            s.mail("sender@remote.test")
            code = s.docmd("RCPT TO:<Postmaster>")[0]; print(code)
            if code == 250: print(s.data(b"Subject: abuse report\\r\\n\\r\\nx\\r\\n")[0])
            s.quit()
            """
        let none = try await Python.run(script, arguments: [fixture.port])
        #expect(none.stdout == "550\n", "no postmaster anywhere yet: \(none.stdout) \(none.stderr)")
        try await fixture.store.addAlias(Alias(source: try AliasSource("postmaster@example.test"),
                                               targets: [try EmailAddress("bob@example.test")]))
        let result = try await Python.run(script, arguments: [fixture.port])
        #expect(result.stdout == "250\n250\n", "RFC 5321 §4.5.1 MUST accept: \(result.stdout) \(result.stderr)")
        #expect(try await fixture.inbox("bob@example.test").first?.contains("Subject: abuse report") == true)
        try await fixture.stop()
    }

    @Test func submissionChecksEveryOriginatorField() async throws {
        let fixture = try await SMTPFixture.start(profile: .submission, implicitTLS: true)
        let result = try await Python.run(SMTPSubmissionTests.tlsContext + """
            s = smtplib.SMTP_SSL("127.0.0.1", int(sys.argv[1]), context=ctx)
            s.login("alice@example.test", sys.argv[2])
            for extra in ["Sender: ceo@elsewhere.test", "Resent-From: ceo@elsewhere.test", "Resent-Sender: <x@elsewhere.test>",
                          "Sender: alice+news@example.test"]:
                message = f"From: alice@example.test\\r\\n{extra}\\r\\nSubject: s\\r\\n\\r\\nhi\\r\\n"
                try: s.sendmail("alice@example.test", ["bob@example.test"], message.encode()); print("sent")
                except smtplib.SMTPDataError as e: print(e.smtp_code, e.smtp_error.decode())
            s.quit()
            """, arguments: [fixture.port, SMTPFixture.password])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(result.stdout) \(result.stderr)")
        #expect(lines.first == "550 5.7.1 Header Sender <ceo@elsewhere.test> does not belong to alice@example.test")
        #expect(lines.dropFirst().first == "550 5.7.1 Header Resent-From <ceo@elsewhere.test> does not belong to alice@example.test")
        #expect(lines.dropFirst(2).first == "550 5.7.1 Header Resent-Sender <x@elsewhere.test> does not belong to alice@example.test")
        #expect(lines.last == "sent", "her own +tag address is hers")
        #expect(try await fixture.inbox("bob@example.test").count == 1)
        try await fixture.stop()
    }
}
