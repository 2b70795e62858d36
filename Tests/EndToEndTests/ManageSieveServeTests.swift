import Foundation
import HatoTesting
import Testing

/// ManageSieve (RFC 5804; docs/sieve.md) through the real binary with clients nobody here wrote:
/// Python's `managesieve` (PyPI) and Debian's `sieve-connect`, each over STARTTLS with PLAIN:
/// upload, list, activate, download, delete; then mail over SMTP lands where the script says.
@Suite(.heavy, .enabled(if: ManageSieveClients.available || Python.requiredInCI,
                "sieve-connect (Debian) and managesieve (PyPI) are needed"))
struct ManageSieveServeTests {
    static func serve() async throws -> ServedHato {
        try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            managesieve = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [delivery]
            relay = "127.0.0.1:1"
            """, accounts: [("bob@example.test", "bob long pw")])
    }

    /// Mail with an ISO-2022-JP 請求書 subject, then the mailboxes' counts as imaplib sees them.
    static let deliverAndCount = """
        import smtplib, imaplib, sys
        smtp, imap = int(sys.argv[2]), int(sys.argv[3])
        message = (b"From: keiri@remote.test\\r\\nTo: bob@example.test\\r\\nMessage-ID: <1@remote.test>\\r\\n"
                   b"Subject: =?ISO-2022-JP?B?GyRCQEE1YT1xJE4kNEF3SVUbKEI=?=\\r\\n\\r\\nplease pay\\r\\n")
        s = smtplib.SMTP("127.0.0.1", smtp); s.sendmail("keiri@remote.test", ["bob@example.test"], message); s.quit()
        m = imaplib.IMAP4("127.0.0.1", imap); m.login("bob@example.test", "bob long pw")
        for box in ("INBOX", "Invoices"):
            typ, data = m.select(box); print(box, data[0].decode())
        m.logout()
        """

    static let script = "require [\"fileinto\", \"mailbox\"];\r\nif header :contains \"subject\" \"請求書\" { fileinto :create \"Invoices\"; }\r\n"

    @Test func pythonManageSieveOverSTARTTLS() async throws {
        let served = try await Self.serve()
        let result = try await Python.run("""
            import managesieve, sys
            script = sys.argv[4]
            m = managesieve.MANAGESIEVE("127.0.0.1", int(sys.argv[1]), use_tls=True, tls_verify=False)
            print("tls", m.sock.__class__.__name__, "PLAIN" in m.loginmechs, m.implementation)
            print("caps", "fileinto" in m.capabilities, "include" in m.capabilities)
            print("auth", m.authenticate("PLAIN", "bob@example.test", "bob long pw"))
            print("broken", m.putscript("broken", "fileinto;"), m.response_text)
            print("put", m.putscript("main", script), m.putscript("other", "keep;\\r\\n"))
            print("space", m.havespace("main", 100), m.havespace("huge", 10000000), m.response_code)
            print("active", m.setactive("main"))
            # RFC 6609 include: a missing included script warns at upload, blocks activation until it exists.
            inc = 'require "include";\\r\\ninclude "later";\\r\\n'
            print("inc-put", m.putscript("inc", inc), m.response_code, m.response_text)
            print("inc-active", m.setactive("inc"), m.response_text)
            print("inc-later", m.putscript("later", "keep;"), m.setactive("inc"), m.setactive("main"),
                  m.deletescript("inc"), m.deletescript("later"))
            print("list", m.listscripts())
            typ, text = m.getscript("main"); print("get", typ, text == script)
            print("delete-active", m.deletescript("main"), m.response_code)
            print("delete", m.deletescript("other"))
            print("missing", m.getscript("other")[0], m.response_code)
            print("logout", m.logout())
            \(Self.deliverAndCount)
            """, arguments: [try served.port("managesieve"), try served.port("smtp"), try served.port("imap"), Self.script])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines == [
            "tls SSLFakeSocket True Hato",
            "caps True True",
            "auth OK",
            "broken NO line 1, column 1: \"fileinto\" is used but not required",
            "put OK OK",
            "space OK NO QUOTA/MAXSIZE",
            "active OK",
            "inc-put OK WARNINGS line 2: included personal script 'later' does not exist, ignored during upload",
            "inc-active NO line 2, column 1: included personal script 'later' does not exist",
            "inc-later OK OK OK OK OK",
            "list ('OK', [('main', True), ('other', False)])",
            "get OK True",
            "delete-active NO ACTIVE",
            "delete OK",
            "missing NO NONEXISTENT",
            "logout OK",
            "INBOX 0",
            "Invoices 1",
        ], "\(result.stdout) \(result.stderr)")
        #expect(await served.terminate() == 0)
    }

    @Test func sieveConnectOverSTARTTLS() async throws {
        let served = try await Self.serve()
        let file = served.directory.url.appendingPathComponent("filter.sieve")
        try Data(Self.script.utf8).write(to: file)
        let downloaded = served.directory.url.appendingPathComponent("downloaded.sieve")
        // sieve-connect reads the password from a descriptor; it insists on TLS (STARTTLS) by default.
        let result = try await Python.run("""
            import os, subprocess, sys
            port, local, out = sys.argv[1], sys.argv[4], sys.argv[5]
            def sc(*args):
                r, w = os.pipe(); os.write(w, b"bob long pw\\n"); os.close(w)
                p = subprocess.run(["sieve-connect", "-s", "127.0.0.1", "-p", port, "-u", "bob@example.test", "--authmech", "PLAIN",
                                    "--notlsverify", "--passwordfd", str(r)] + list(args), pass_fds=[r], capture_output=True, text=True, timeout=60)
                os.close(r)
                print(" ".join(args[:1]), p.returncode, p.stdout.strip().replace("\\n", "|"), file=sys.stdout)
                if p.returncode: print(p.stderr, file=sys.stderr)
            sc("--upload", "--localsieve", local, "--remotesieve", "main")
            sc("--upload", "--localsieve", local, "--remotesieve", "spare")
            sc("--activate", "--remotesieve", "main")
            sc("--list")
            sc("--download", "--remotesieve", "main", "--localsieve", out)
            sc("--delete", "--remotesieve", "spare")
            sc("--list")
            \(Self.deliverAndCount)
            """, arguments: [try served.port("managesieve"), try served.port("smtp"), try served.port("imap"), file.path, downloaded.path])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines == [
            "--upload 0 ", "--upload 0 ", "--activate 0 ",
            "--list 0 \"main\" ACTIVE|\"spare\"",
            "--download 0 ", "--delete 0 ",
            "--list 0 \"main\" ACTIVE",
            "INBOX 0", "Invoices 1",
        ], "\(result.stdout) \(result.stderr)")
        #expect(try String(contentsOf: downloaded, encoding: .utf8) == Self.script)
        #expect(await served.terminate() == 0)
    }
}

enum ManageSieveClients {
    static let available = Python.hasModules("managesieve") && FileManager.default.isExecutableFile(atPath: "/usr/bin/sieve-connect")
}
