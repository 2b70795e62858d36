import Foundation
import HatoTesting
import Testing

/// Logins against the real `hato serve`, set up with the real admin commands: the CRAM-MD5
/// opt-in (`hato account passwd --allow-cram-md5`, `auth.mechanisms`), no user enumeration, and
/// the brute-force throttle shared by SMTP and POP3 (`auth.*`).
@Suite struct AuthServeTests {
    static let accounts = [("alice@example.test", "alice long pw"), ("bob@example.test", "bob long pw")]

    @Test func cramMD5OptInThroughTheCLI() async throws {
        let hato = try await ServedHato.start("""
            [listen]
            submissions = ["127.0.0.1:0"]
            pop3s = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [auth]
            mechanisms = ["SCRAM-SHA-256", "PLAIN", "LOGIN", "CRAM-MD5"]
            delay_after_failures = 1000
            lockout_after_failures = 1000
            """, accounts: Self.accounts)
        let passwd = try await HatoBinary.run(["account", "passwd", "alice@example.test", "--password-stdin", "--allow-cram-md5",
                                         "--config", hato.config], stdin: "alice new pw\n")
        #expect(passwd.status == 0 && passwd.stdout.contains("CRAM-MD5 allowed"), "\(passwd.stdout) \(passwd.stderr)")

        let script = """
            import base64, hmac, poplib, smtplib, ssl, statistics, sys, time
            smtp, pop3 = int(sys.argv[1]), int(sys.argv[2])
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            def login(user, password, method):
                s = smtplib.SMTP_SSL("127.0.0.1", smtp, context=ctx); s.ehlo()
                s.user, s.password = user, password
                try: code, text = s.auth(method, getattr(s, "auth_" + method.lower().replace("-", "_")))
                except smtplib.SMTPAuthenticationError as e: code, text = e.smtp_code, e.smtp_error
                s.close()
                return code, text.decode()
            def pop_cram(user, password):
                p = poplib.POP3_SSL("127.0.0.1", pop3, context=ctx)
                try:
                    challenge = base64.b64decode(p._shortcmd("AUTH CRAM-MD5")[2:])
                    digest = hmac.new(password.encode(), challenge, "md5").hexdigest()
                    return p._shortcmd(base64.b64encode((user + " " + digest).encode()).decode()).decode()
                except poplib.error_proto as e:
                    return e.args[0].decode()

            """
        let before = try await Python.run(script + """
            s = smtplib.SMTP_SSL("127.0.0.1", smtp, context=ctx); s.ehlo(); print(s.esmtp_features["auth"]); s.close()
            print(login("alice@example.test", "alice new pw", "CRAM-MD5"))
            print(login("bob@example.test", "bob long pw", "CRAM-MD5"))
            print(login("alice@example.test", "wrong", "CRAM-MD5"))
            print(login("nobody@example.test", "bob long pw", "CRAM-MD5"))
            print(pop_cram("alice@example.test", "alice new pw"))
            print(pop_cram("bob@example.test", "bob long pw"))
            # No enumeration over SMTP PLAIN either: same reply, comparable time.
            known, unknown = [], []
            for _ in range(10):
                for user, times in [("bob@example.test", known), ("nobody@example.test", unknown)]:
                    start = time.monotonic(); reply = login(user, "not the password", "PLAIN"); times.append(time.monotonic() - start)
                    print(reply)
            print("ratio", statistics.median(unknown) / statistics.median(known))
            """, arguments: [try hato.port("submissions"), try hato.port("pop3s")], timeout: 120)
        var lines = before.stdout.split(separator: "\n").map(String.init)
        guard lines.count == 28, let ratio = Double(lines[27].dropFirst(6)) else {
            Issue.record("\(before.stdout) \(before.stderr)"); return
        }
        let failed = "(535, '5.7.8 Authentication credentials invalid')"
        #expect(lines[0] == " SCRAM-SHA-256 PLAIN LOGIN CRAM-MD5", "\(lines[0])")
        #expect(lines[1] == "(235, '2.7.0 Authentication successful')", "alice opted in: \(lines[1])")
        #expect(lines[2] == failed, "bob did not opt in: fails exactly like a wrong password")
        #expect(lines[3] == failed && lines[4] == failed)
        #expect(lines[5].hasPrefix("+OK 0 messages"), "\(lines[5])")
        #expect(lines[6] == "-ERR [AUTH] Authentication failed")
        #expect(Set(lines[7..<27]) == [failed], "unknown users and wrong passwords get one reply")
        #expect(ratio > 0.4 && ratio < 2.5, "unknown/known median time ratio \(ratio)")

        // A new password without the flag removes the CRAM-MD5 record.
        let reset = try await HatoBinary.run(["account", "passwd", "alice@example.test", "--password-stdin", "--config", hato.config],
                                       stdin: "alice third pw\n")
        #expect(reset.status == 0, "\(reset.stderr)")
        let after = try await Python.run(script + """
            print(login("alice@example.test", "alice third pw", "CRAM-MD5"))
            print(login("alice@example.test", "alice third pw", "PLAIN"))
            """, arguments: [try hato.port("submissions"), try hato.port("pop3s")])
        lines = after.stdout.split(separator: "\n").map(String.init)
        #expect(lines == [failed, "(235, '2.7.0 Authentication successful')"], "\(after.stdout) \(after.stderr)")
        #expect(!hato.process.errorOutput.contains("alice new pw") && !hato.process.errorOutput.contains("not the password"),
                "no secret in the log")
        await hato.stop()
    }

    @Test func throttleIsSharedBySMTPAndPOP3() async throws {
        let hato = try await ServedHato.start("""
            [listen]
            submissions = ["127.0.0.1:0"]
            pop3s = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [auth]
            delay_after_failures = 2
            lockout_after_failures = 3
            lockout_duration = "10m"
            """, accounts: Self.accounts)
        let result = try await Python.run("""
            import poplib, smtplib, ssl, sys, time
            smtp, pop3 = int(sys.argv[1]), int(sys.argv[2])
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            def login(user, password, delay=None):
                s = smtplib.SMTP_SSL("127.0.0.1", smtp, context=ctx); s.ehlo()
                start = time.monotonic()
                s.user, s.password = user, password
                try: code, text = s.auth("PLAIN", s.auth_plain)
                except smtplib.SMTPAuthenticationError as e: code, text = e.smtp_code, e.smtp_error
                elapsed = time.monotonic() - start
                s.close()
                # Only a lower bound: a delayed reply cannot come sooner than the delay.
                return (code, text.decode()) + ((("waited" if elapsed >= delay else "too soon"),) if delay else ())
            print(login("alice@example.test", "wrong 1"))
            print(login("nobody@example.test", "wrong 2", delay=1.0))
            print(login("bob@example.test", "wrong 3", delay=2.0))
            print(login("alice@example.test", "alice long pw"))
            p = poplib.POP3_SSL("127.0.0.1", pop3, context=ctx); p.user("bob@example.test")
            try: print(p.pass_("bob long pw"))
            except poplib.error_proto as e: print(e.args[0].decode())
            """, arguments: [try hato.port("submissions"), try hato.port("pop3s")], timeout: 120)
        #expect(result.stdout == """
            (535, '5.7.8 Authentication credentials invalid')
            (535, '5.7.8 Authentication credentials invalid', 'waited')
            (535, '5.7.8 Authentication credentials invalid', 'waited')
            (454, '4.7.0 Too many failed authentication attempts, try again later')
            -ERR [SYS/TEMP] Too many failed attempts, try again later

            """, "\(result.stderr)")
        #expect(hato.process.errorOutput.contains("authentication failed"), "failures are logged")
        await hato.stop()
    }
}
