import Foundation
import HatoTesting
import Testing

/// RFC 5235 spamtest fed by Debian's rspamd (milter proxy, `X-Spamd-Result` from milter_headers)
/// behind `hato serve`, with the risk assessment off so rspamd is the only source: an ordinary
/// message that arrived with a forged `X-Spamd-Result: default: True [30.00 / 15.00]` is read
/// from rspamd's own (folded) field — tested, and far from spam — never from the forged one.
@Suite(.heavy, .enabled(if: Rspamd.available || Rspamd.required, "rspamd is not installed: apt-get install rspamd"))
struct SieveRspamdServeTests {
    @Test func spamtestReadsRspamdsField() async throws {
        try #require(Rspamd.available, "CI is set but rspamd is not installed")
        let directory = try TemporaryDirectory(prefix: "hato-sieve-rspamd")
        let rspamd = try await Rspamd(directory: directory)
        let served = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [risk]
            assess = "off"
            [[milter]]
            name = "rspamd"
            socket = "unix:\(rspamd.socket)"
            default_action = "tempfail"
            """, accounts: [("alice@example.test", "long enough pw")], directory: directory)
        defer { served.process.signal(SIGKILL) }
        let script = directory.url.appendingPathComponent("main.sieve")
        try Data("""
            require ["spamtest", "variables", "fileinto", "mailbox"];
            if spamtest :matches "*" { fileinto :create "spam-${1}"; }
            """.utf8).write(to: script)
        let put = try await HatoBinary.run(["sieve", "put", "alice@example.test", "main", script.path, "--activate", "--config", served.config])
        #expect(put.status == 0, "\(put.stderr)")
        let result = try await Python.run("""
            import smtplib, imaplib, sys
            smtp, imap = int(sys.argv[1]), int(sys.argv[2])
            s = smtplib.SMTP("127.0.0.1", smtp)
            s.sendmail("friend@remote.test", ["alice@example.test"], b"From: friend@remote.test\\r\\nTo: alice@example.test\\r\\nSubject: lunch\\r\\n"
                       b"X-Spamd-Result: default: True [30.00 / 15.00]; FORGED(30.00)\\r\\nMessage-ID: <lunch@remote.test>\\r\\n"
                       b"Date: Sat, 05 Dec 2026 07:00:00 +0000\\r\\n\\r\\nLunch on Friday?\\r\\n")
            s.quit()
            m = imaplib.IMAP4("127.0.0.1", imap); m.login("alice@example.test", "long enough pw")
            typ, boxes = m.list()
            print(" ".join(sorted(b.decode().split(' "/" ')[-1].strip('"') for b in boxes if b"spam-" in b)))
            m.logout()
            """, arguments: [try served.port("smtp"), try served.port("imap")])
        let folder = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let value = Int(folder.dropFirst("spam-".count)) ?? -1
        #expect(folder.hasPrefix("spam-") && (1...5).contains(value), "tested by rspamd, not spam: \(result.stdout) \(result.stderr) \(rspamd.log.suffix(2000))")
        #expect(await served.terminate() == 0)
    }
}
