import Foundation
import HatoTesting
import Testing

/// Issue 21 "Interop tests" with Sequoia-PGP (PyPI pysequoia), an OpenPGP implementation neither
/// RNP nor GnuPG: a v4 (RFC 4880 profile) certificate and PGP/MIME signature made by Sequoia are
/// imported and verified through the real `hato serve`; an RFC 9580 v6 certificate, which RNP 0.16
/// cannot read, is refused by `hato pgp import-contact` with a reason, and a v6 signature gives
/// `verified=no` (docs/openpgp.md "Why RNP").
@Suite(.heavy, .enabled(if: Python.hasModules("pysequoia") || Python.requiredInCI, "pysequoia is not installed: pip install pysequoia"))
struct OpenPGPSequoiaInteropTests {
    @Test func sequoiaV4SignaturesVerifyAndV6KeysAreRefused() async throws {
        try #require(Python.hasModules("pysequoia"), "CI is set but pysequoia is not installed")
        let directory = try TemporaryDirectory(prefix: "hato-sequoia")
        let entity = OpenPGPServeTests.entity
        try Data(entity.utf8).write(to: directory.url.appendingPathComponent("entity"))
        let made = try await Python.run("""
            import sys, pysequoia as p
            d = sys.argv[1]
            entity = open(d + "/entity", "rb").read()
            for name, uid, profile in [("vic", "Vic <vic@example.com>", p.Profile.RFC4880), ("wes", "Wes <wes@example.com>", p.Profile.RFC9580)]:
                tsk = p.Tsk.generate(uid, profile=profile)
                cert = tsk.extract_certificate()
                open(d + "/" + name + ".asc", "w").write(str(cert))
                open(d + "/" + name + ".sig", "wb").write(p.sign(tsk.signer(), entity, mode=p.SignatureMode.DETACHED))
                print(name, cert.fingerprint.upper())
            """, arguments: [directory.path], timeout: 120)
        try #require(made.status == 0, "\(made.stderr)")
        let fingerprints = Dictionary(uniqueKeysWithValues: made.stdout.split(separator: "\n").map { line in
            let parts = line.split(separator: " ")
            return (String(parts[0]), String(parts[1]))
        })
        let vic = try #require(fingerprints["vic"]), wes = try #require(fingerprints["wes"])
        #expect(vic.count == 40 && wes.count == 64, "a v4 and a v6 fingerprint: \(fingerprints)")
        func read(_ name: String) throws -> String { try String(contentsOf: directory.url.appendingPathComponent(name), encoding: .utf8) }

        let dns = try await TestDNSServer.start(zoneText: "")
        let hato = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [dns]
            servers = ["\(dns.address)"]
            [risk]
            assess = "off"
            """, accounts: [("alice@example.test", "alice long pw")])
        defer { hato.process.signal(SIGKILL) }
        let v4 = try await hato.cli("pgp", "import-contact", directory.url.appendingPathComponent("vic.asc").path)
        #expect(v4.status == 0 && v4.stdout == "imported \(vic) for vic@example.com\n", "\(v4.stdout) \(v4.stderr)")
        let v6 = try await hato.cli("pgp", "import-contact", directory.url.appendingPathComponent("wes.asc").path)
        #expect(v6.status != 0 && !v6.stderr.isEmpty, "RNP 0.16 cannot read v6 keys: refused with a reason: \(v6.stdout) \(v6.stderr)")
        let listed = try await hato.cli("pgp", "list")
        #expect(listed.stdout.contains(vic) && !listed.stdout.contains(wes), "\(listed.stdout)")

        let messages = [
            OpenPGPServeTests.signed(from: "Vic <vic@example.com>", subject: "sequoia-v4", entity: entity, signature: try read("vic.sig")),
            OpenPGPServeTests.signed(from: "vic@example.com", subject: "sequoia-v6-as-vic", entity: entity, signature: try read("wes.sig")),
        ]
        for (index, message) in messages.enumerated() {
            try Data(message.utf8).write(to: directory.url.appendingPathComponent("message-\(index).eml"))
        }
        let run = try await Python.run("""
            import smtplib, imaplib, email, sys
            smtp, imap, d = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
            for i in range(2):
                s = smtplib.SMTP("127.0.0.1", smtp, timeout=60); s.ehlo("client.test")
                s.sendmail("sender@example.com", ["alice@example.test"], open("%s/message-%d.eml" % (d, i), "rb").read()); s.quit()
            c = imaplib.IMAP4("127.0.0.1", imap, timeout=60); c.login("alice@example.test", "alice long pw"); c.select("INBOX")
            typ, data = c.fetch("1:*", "(BODY.PEEK[HEADER])")
            for item in data:
                if isinstance(item, tuple):
                    m = email.message_from_bytes(item[1]); print(m["Subject"], "|", m.get_all("Hato-OpenPGP"))
            """, arguments: [try hato.port("smtp"), try hato.port("imap"), directory.path], timeout: 120)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 2, "\(run.stdout) \(run.stderr)")
        #expect(lines[0] == "sequoia-v4 | ['signed; verified=yes; signer=\(vic); uid=vic@example.com']", "\(lines[0])")
        #expect(lines[1].hasPrefix("sequoia-v6-as-vic | ['signed; verified=no; reason="), "a v6 signature is not taken for vic's: \(lines[1])")
    }
}
