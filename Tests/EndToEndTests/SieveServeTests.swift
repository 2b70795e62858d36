import Foundation
import HatoTesting
import Testing

/// Sieve through the real binary (docs/sieve.md): `hato sieve check|put|list` on the CLI, mail in
/// over SMTP, filed where the script says as Python's imaplib sees it, and one vacation response
/// queued for two messages from the same sender.
@Suite struct SieveServeTests {
    @Test func scriptFilesJapaneseMailAndAnswersOnce() async throws {
        let served = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [delivery]
            relay = "127.0.0.1:1"
            """, accounts: [("bob@example.test", "bob long pw")])
        func hato(_ arguments: String...) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await HatoBinary.run(arguments + ["--config", served.config])
        }
        let broken = served.directory.url.appendingPathComponent("broken.sieve")
        try Data("require \"fileinto\";\nif header :contains \"subject\" {\n  fileinto \"x\";\n}\n".utf8).write(to: broken)
        let check = try await hato("sieve", "check", broken.path)
        #expect(check.status == 1 && check.stderr.contains("line 2, column"), "\(check.stdout) \(check.stderr)")

        let script = served.directory.url.appendingPathComponent("main.sieve")
        try Data("""
            require ["fileinto", "mailbox", "imap4flags", "vacation"];
            vacation :days 7 :subject "不在のお知らせ" "休暇中です。";
            if header :contains "subject" "請求書" { fileinto :create :flags "$Invoice" "Invoices"; }
            """.utf8).write(to: script)
        let put = try await hato("sieve", "put", "bob@example.test", "main", script.path, "--activate")
        #expect(put.status == 0, "\(put.stderr)")
        #expect(try await hato("sieve", "list", "bob@example.test").stdout.contains("main  yes"))

        let result = try await Python.run("""
            import smtplib, imaplib, sys
            smtp, imap = int(sys.argv[1]), int(sys.argv[2])
            message = (b"From: keiri@remote.test\\r\\nTo: bob@example.test\\r\\nMessage-ID: <%d@remote.test>\\r\\n"
                       b"Subject: =?ISO-2022-JP?B?GyRCQEE1YT1xJE4kNEF3SVUbKEI=?=\\r\\n\\r\\nplease pay\\r\\n")
            for n in (1, 2):
                s = smtplib.SMTP("127.0.0.1", smtp); s.sendmail("keiri@remote.test", ["bob@example.test"], message % n); s.quit()
            m = imaplib.IMAP4("127.0.0.1", imap); m.login("bob@example.test", "bob long pw")
            for box in ("INBOX", "Invoices"):
                typ, data = m.select(box); print(box, data[0].decode())
            typ, data = m.fetch("1", "(FLAGS)"); print(data[0].decode())
            m.logout()
            """, arguments: [try served.port("smtp"), try served.port("imap")])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.prefix(2) == ["INBOX 0", "Invoices 2"], "\(result.stdout) \(result.stderr)")
        #expect(lines.last?.contains("$Invoice") == true, "\(result.stdout)")

        let queue = try await hato("queue", "list").stdout.split(separator: "\n").dropFirst()
        #expect(queue.count == 1 && queue.first?.contains("keiri@remote.test") == true, "one vacation response: \(queue)")
        #expect(served.process.errorOutput.contains("vacation response already sent in this period"), "the second message got none")
        #expect(await served.terminate() == 0)
    }
}
