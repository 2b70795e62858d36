import Foundation
import HatoTesting
import Testing

/// The TLS layer of the real `hato serve`: certificate rotation on SIGHUP, SNI, and the TLS 1.2
/// floor, seen from Python's ssl module and the openssl command line.
@Suite struct TLSServeTests {
    /// Python: the SHA-256 fingerprint of the certificate a server presents, and of a PEM file.
    static let fingerprints = """
        import hashlib, socket, ssl, sys
        def context():
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            return ctx
        def served(port, name=None):
            with context().wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname=name) as s:
                return hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest()
        def of_file(path):
            return hashlib.sha256(ssl.PEM_cert_to_DER_cert(open(path).read())).hexdigest()

        """

    @Test func sighupReloadsTheCertificateWithoutDroppingSessions() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-reload")
        let first = try await TestCertificates.make(["mail.example.test"], serial: "0x1001", in: directory.url, file: "first")
        let second = try await TestCertificates.make(["mail.example.test"], serial: "0x2002", in: directory.url, file: "second")
        let live = (certificate: directory.url.appendingPathComponent("live.crt"), key: directory.url.appendingPathComponent("live.key"))
        try FileManager.default.copyItem(at: first.certificate, to: live.certificate)
        try FileManager.default.copyItem(at: first.key, to: live.key)
        let hato = try await ServedHato.start("""
            [listen]
            pop3s = ["127.0.0.1:0"]
            [tls]
            cert = "live.crt"
            key = "live.key"
            """, accounts: [("alice@example.test", "long enough pw")], directory: directory)

        // A POP3 session opened with the first certificate stays open across both reloads.
        let client = try Python.start(Self.fingerprints + """
            import poplib
            port = int(sys.argv[1])
            p = poplib.POP3_SSL("127.0.0.1", port, context=context())
            p.user("alice@example.test"); p.pass_("long enough pw")
            print("session", hashlib.sha256(p.sock.getpeercert(binary_form=True)).hexdigest() == of_file(sys.argv[2]))
            print("READY", flush=True)
            for command in iter(sys.stdin.readline, ""):
                if command.strip() == "probe":
                    print("new", served(port), flush=True)
                else:
                    break
            print("old session still works:", p.stat(), p.noop().decode())
            p.quit()
            """, arguments: [try hato.port("pop3s"), first.certificate.path])
        try await client.waitFor("the first session") { out, _ in out.contains("READY") }
        let firstPrint = try await Self.fingerprint(of: first.certificate)
        let secondPrint = try await Self.fingerprint(of: second.certificate)

        // A broken certificate file: the reload fails, is logged, and the old certificate stays.
        try Data("not a certificate".utf8).write(to: live.certificate, options: .atomic)
        hato.process.signal(SIGHUP)
        try await hato.process.waitFor("the failed reload") { _, err in err.contains("TLS certificate reload failed") }
        client.write("probe\n")
        try await client.waitFor("a probe") { out, _ in out.contains("new ") }

        // The second certificate: new handshakes get it.
        try Data(contentsOf: second.certificate).write(to: live.certificate, options: .atomic)
        try Data(contentsOf: second.key).write(to: live.key, options: .atomic)
        hato.process.signal(SIGHUP)
        try await hato.process.waitFor("the reload") { _, err in err.contains("reloaded TLS certificates") }
        client.write("probe\n")
        try await client.waitFor("a second probe") { out, _ in out.components(separatedBy: "new ").count == 3 }
        client.write("done\n")
        client.closeInput()
        #expect(await client.exit(timeout: 60) == 0, "\(client.errorOutput)")

        let lines = client.outputLines
        #expect(lines.first == "session True")
        #expect(lines.dropFirst(2).first == "new \(firstPrint)", "a bad file keeps the old certificate: \(lines)")
        #expect(lines.dropFirst(3).first == "new \(secondPrint)", "new handshakes get the new certificate: \(lines)")
        #expect(lines.last?.hasPrefix("old session still works: (0, 0) +OK") == true, "\(lines)")
        #expect(hato.process.errorOutput.contains("serial=2002"), "the log names the new serial: \(hato.process.errorOutput)")
        #expect(hato.process.errorOutput.contains("not a certificate") == false, "file contents are not logged")
        await hato.stop()
    }

    @Test func sniChoosesTheCertificateByName() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-sni")
        let main = try await TestCertificates.make(["mail.example.test"], serial: "0x01", in: directory.url, file: "main")
        let one = try await TestCertificates.make(["mail.one.test"], serial: "0x02", in: directory.url, file: "one")
        let two = try await TestCertificates.make(["*.two.test"], serial: "0x03", in: directory.url, file: "two")
        let hato = try await ServedHato.start("""
            [listen]
            submissions = ["127.0.0.1:0"]
            [tls]
            cert = "main.crt"
            key = "main.key"
            [[tls.certificates]]
            hostname = "mail.one.test"
            cert = "one.crt"
            key = "one.key"
            [[tls.certificates]]
            hostname = "*.two.test"
            cert = "two.crt"
            key = "two.key"
            """, directory: directory)
        let result = try await Python.run(Self.fingerprints + """
            port = int(sys.argv[1])
            for name in ["mail.one.test", "MAIL.ONE.TEST", "smtp.two.test", "two.test", "other.test", None]:
                print(name, served(port, name))
            """, arguments: [try hato.port("submissions")])
        let prints = [
            try await Self.fingerprint(of: main.certificate), try await Self.fingerprint(of: one.certificate),
            try await Self.fingerprint(of: two.certificate),
        ]
        #expect(result.stdout == """
            mail.one.test \(prints[1])
            MAIL.ONE.TEST \(prints[1])
            smtp.two.test \(prints[2])
            two.test \(prints[0])
            other.test \(prints[0])
            None \(prints[0])

            """, "\(result.stderr)")
        await hato.stop()
    }

    @Test func tls10And11AreRefusedOnImplicitAndStartTLSListeners() async throws {
        let hato = try await ServedHato.start("""
            [listen]
            submission = ["127.0.0.1:0"]
            submissions = ["127.0.0.1:0"]
            pop3 = ["127.0.0.1:0"]
            pop3s = ["127.0.0.1:0"]
            """)
        // SECLEVEL=0 so Debian's OpenSSL offers TLS 1.0/1.1 at all: the refusal seen is the server's.
        let result = try await Python.run("""
            import subprocess, sys
            listeners = [("submissions", sys.argv[1], []), ("submission", sys.argv[2], ["-starttls", "smtp"]),
                         ("pop3s", sys.argv[3], []), ("pop3", sys.argv[4], ["-starttls", "pop3"])]
            for name, port, extra in listeners:
                for version in ["-tls1", "-tls1_1", "-tls1_2", "-tls1_3"]:
                    run = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:" + port, version,
                                          "-cipher", "DEFAULT:@SECLEVEL=0"] + extra,
                                         input=b"", capture_output=True, timeout=30)
                    out = (run.stdout + run.stderr).decode(errors="replace")
                    if "alert protocol version" in out: verdict = "refused by the server"
                    elif "Protocol  : TLSv1.2" in out or "New, TLSv1.2" in out: verdict = "TLSv1.2"
                    elif "New, TLSv1.3" in out: verdict = "TLSv1.3"
                    else: verdict = "other: " + out[-300:].replace("\\n", " ")
                    print(name, version, verdict)
            """, arguments: [try hato.port("submissions"), try hato.port("submission"), try hato.port("pop3s"), try hato.port("pop3")],
            timeout: 180)
        var expected = ""
        for name in ["submissions", "submission", "pop3s", "pop3"] {
            expected += "\(name) -tls1 refused by the server\n\(name) -tls1_1 refused by the server\n"
            expected += "\(name) -tls1_2 TLSv1.2\n\(name) -tls1_3 TLSv1.3\n"
        }
        #expect(result.stdout == expected, "\(result.stderr)")
        await hato.stop()
    }

    static func fingerprint(of certificate: URL) async throws -> String {
        let result = try await Python.run(fingerprints + "print(of_file(sys.argv[1]))", arguments: [certificate.path])
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
