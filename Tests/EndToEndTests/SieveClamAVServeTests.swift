import Foundation
import HatoTesting
import Testing

/// RFC 5235 virustest fed by Debian's clamav-milter behind `hato serve` (docs/sieve.md "Spam and
/// virus tests"), with the risk assessment off so clamav-milter is the only source: EICAR mail
/// (`OnInfected Accept`, `X-Virus-Status: Infected`) reads 5 and is filed to Virus; clean mail
/// that arrived with a forged `X-Virus-Status: Infected` reads 1 from the field the milter
/// replaced it with; nothing is read as "not tested".
@Suite(.heavy, .enabled(if: ClamAV.available || ClamAV.required, "clamd/clamav-milter are not installed: apt-get install clamav-daemon clamav-milter"))
struct SieveClamAVServeTests {
    @Test func virustestReadsClamAVMilter() async throws {
        try #require(ClamAV.available, "CI is set but clamav-daemon/clamav-milter are not installed")
        let directory = try TemporaryDirectory(prefix: "hato-sieve-clamav")
        let clamav = try await ClamAV(directory: directory, onInfected: "Accept")
        let served = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [risk]
            assess = "off"
            [[milter]]
            name = "clamav"
            socket = "unix:\(clamav.milterSocket)"
            default_action = "tempfail"
            """, accounts: [("alice@example.test", "long enough pw")], directory: directory)
        defer { served.process.signal(SIGKILL) }
        let script = directory.url.appendingPathComponent("main.sieve")
        try Data("""
            require ["virustest", "relational", "comparator-i;ascii-numeric", "fileinto", "mailbox"];
            if virustest :value "eq" :comparator "i;ascii-numeric" "5" { fileinto :create "Virus"; stop; }
            if virustest :is "1" { fileinto :create "Scanned"; stop; }
            if virustest :is "0" { fileinto :create "Untested"; }
            """.utf8).write(to: script)
        let put = try await HatoBinary.run(["sieve", "put", "alice@example.test", "main", script.path, "--activate", "--config", served.config])
        #expect(put.status == 0, "\(put.stderr)")
        let result = try await Python.run("""
            import smtplib, imaplib, sys
            smtp, imap = int(sys.argv[1]), int(sys.argv[2])
            eicar = rb"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
            for subject, extra, body in (("clean", b"X-Virus-Status: Infected (Forged)\\r\\n", b"Nothing to see here."), ("eicar", b"", eicar)):
                s = smtplib.SMTP("127.0.0.1", smtp)
                s.sendmail("friend@remote.test", ["alice@example.test"], b"From: friend@remote.test\\r\\nSubject: " + subject.encode() + b"\\r\\n" + extra + b"\\r\\n" + body + b"\\r\\n")
                s.quit()
            m = imaplib.IMAP4("127.0.0.1", imap); m.login("alice@example.test", "long enough pw")
            for box in ("INBOX", "Virus", "Scanned", "Untested"):
                typ, data = m.select(box); print(box, data[0].decode() if typ == "OK" else "missing")
            m.logout()
            """, arguments: [try served.port("smtp"), try served.port("imap")])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines == ["INBOX 0", "Virus 1", "Scanned 1", "Untested missing"], "\(result.stdout) \(result.stderr) \(clamav.log)")
        #expect(await served.terminate() == 0)
    }
}
