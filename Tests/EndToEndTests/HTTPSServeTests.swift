import Foundation
import HatoTesting
import Testing

/// The `https` listener shares the mail listeners' TLS: the certificate chosen by SNI from
/// `[[tls.certificates]]`, and a SIGHUP reload that new handshakes see.
@Suite struct HTTPSServeTests {
    @Test func httpsPresentsTheMailCertificatesBySNIAndReloads() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-https")
        let main = try await TestCertificates.make(["mail.example.test"], serial: "0x11", in: directory.url, file: "main")
        let renewed = try await TestCertificates.make(["mail.example.test"], serial: "0x12", in: directory.url, file: "renewed")
        let policy = try await TestCertificates.make(["mta-sts.example.test"], serial: "0x13", in: directory.url, file: "policy")
        let live = (certificate: directory.url.appendingPathComponent("live.crt"), key: directory.url.appendingPathComponent("live.key"))
        try FileManager.default.copyItem(at: main.certificate, to: live.certificate)
        try FileManager.default.copyItem(at: main.key, to: live.key)
        let hato = try await ServedHato.start("""
            [listen]
            https = ["127.0.0.1:0"]
            [tls]
            cert = "live.crt"
            key = "live.key"
            [[tls.certificates]]
            hostname = "mta-sts.example.test"
            cert = "policy.crt"
            key = "policy.key"
            """, accounts: [("alice@example.test", "alice long pw")], directory: directory)
        let probe = TLSServeTests.fingerprints + """
            import http.client
            port = int(sys.argv[1])
            class Named(http.client.HTTPSConnection):
                # Connects to 127.0.0.1 but asks for `name` by SNI, as a client resolving it would.
                def __init__(self, name):
                    super().__init__("127.0.0.1", port, timeout=20, context=context()); self.name = name
                def connect(self):
                    self.sock = self._context.wrap_socket(socket.create_connection(("127.0.0.1", port), 20), server_hostname=self.name)
            for name in ["mta-sts.example.test", "mail.example.test"]:
                c = Named(name)
                c.request("GET", "/.well-known/mta-sts.txt", headers={"Host": name}); r = c.getresponse(); r.read()
                print(name, r.status, hashlib.sha256(c.sock.getpeercert(binary_form=True)).hexdigest())
            """
        let port = try hato.port("https")
        let before = try await Python.run(probe, arguments: [port])
        try Data(contentsOf: renewed.certificate).write(to: live.certificate, options: .atomic)
        try Data(contentsOf: renewed.key).write(to: live.key, options: .atomic)
        hato.process.signal(SIGHUP)
        try await hato.process.waitFor("the reload") { _, err in err.contains("reloaded TLS certificates") }
        let after = try await Python.run(probe, arguments: [port])
        let policyPrint = try await TLSServeTests.fingerprint(of: policy.certificate)
        let mainPrint = try await TLSServeTests.fingerprint(of: main.certificate)
        let renewedPrint = try await TLSServeTests.fingerprint(of: renewed.certificate)
        #expect(before.stdout == "mta-sts.example.test 200 \(policyPrint)\nmail.example.test 404 \(mainPrint)\n", "\(before.stderr)")
        #expect(after.stdout == "mta-sts.example.test 200 \(policyPrint)\nmail.example.test 404 \(renewedPrint)\n", "\(after.stderr)")
        await hato.stop()
    }
}
