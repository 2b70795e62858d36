import Foundation
import HatoTesting
import Testing

enum CryptographyPKCS7 {
    /// Python's `cryptography` (PyPI) with PKCS7SignatureBuilder's RSA-PSS option and PKCS7EnvelopeBuilder (41+).
    static let available = Python.hasModules("cryptography.hazmat.primitives.serialization.pkcs7")
}

/// Issue 20 §4 interop with an S/MIME implementation that shares no code with OpenSSL's CMS:
/// Python's `cryptography` (its PKCS#7 is written in Rust). It signs (RSA PKCS#1 v1.5, RSA-PSS,
/// ECDSA) mail that arrives over SMTP and must read `smime=pass` over IMAP; it encrypts a message
/// that `hato smime decrypt` opens; it decrypts what `hato smime encrypt` wrote to a correspondent.
@Suite(.heavy, .enabled(if: (OpenSSLAvailability.available && CryptographyPKCS7.available) || OpenSSLAvailability.required,
                        "openssl or Python's cryptography is not installed"))
struct SMIMECryptographyInteropTests {
    @Test func cryptographySignsEncryptsAndDecryptsWithHato() async throws {
        let pki = try await SMIMETestPKI.make()
        let directory = pki.directory.path
        let dns = try await TestDNSServer.start(zoneText: "")
        let hato = try await pki.serve(dns: dns.address, listeners: ["smtp", "imap"], accounts: [("hana@example.test", "hana long pw"), ("taro@example.test", "taro long pw")])
        defer { hato.process.signal(SIGKILL) }
        #expect(try await hato.cli("smime", "import", "hana@example.test", "--cert", "\(directory)/hana-chain.pem", "--key", "\(directory)/hana.key").status == 0)
        #expect(try await hato.cli("smime", "import-cert", "\(directory)/bob.pem").status == 0)

        let run = try await Python.run(#"""
            import smtplib, imaplib, email, sys
            from cryptography import x509
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import padding
            from cryptography.hazmat.primitives.serialization import pkcs7
            smtp, imap, d = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
            def cert(name): return x509.load_pem_x509_certificate(open("%s/%s.pem" % (d, name), "rb").read())
            def key(name): return serialization.load_pem_private_key(open("%s/%s.key" % (d, name), "rb").read(), None)
            def crlf(b): return b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            entity = b"Content-Type: text/plain; charset=utf-8\r\n\r\nMinutes of the meeting on the 3rd.\r\n"
            cases = [("alice", "pkcs1", padding.PKCS1v15()),
                     ("alice", "pss", padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)),
                     ("carol", "ecdsa", None)]
            s = smtplib.SMTP("127.0.0.1", smtp, timeout=60); s.ehlo("client.test")
            for user, subject, pad in cases:
                signed = pkcs7.PKCS7SignatureBuilder().set_data(entity).add_signer(cert(user), key(user), hashes.SHA256(), rsa_padding=pad) \
                    .sign(serialization.Encoding.SMIME, [pkcs7.PKCS7Options.DetachedSignature])
                message = ("From: %s@example.com\r\nTo: taro@example.test\r\nSubject: %s\r\n" % (user, subject)).encode() + crlf(signed)
                s.sendmail(user + "@example.com", ["taro@example.test"], message)
            s.quit()
            c = imaplib.IMAP4("127.0.0.1", imap, timeout=60); c.login("taro@example.test", "taro long pw"); c.select("INBOX")
            for item in c.fetch("1:*", "(BODY.PEEK[HEADER])")[1]:
                if isinstance(item, tuple):
                    m = email.message_from_bytes(item[1])
                    print(m["Subject"], [" ".join(v.split(";", 1)[1].split()) for v in m.get_all("Authentication-Results") or [] if "smime=" in v])
            c.logout()
            # Encrypted by cryptography to hana (AES-256-CBC), for `hato smime decrypt`.
            enveloped = pkcs7.PKCS7EnvelopeBuilder().set_data(entity).add_recipient(cert("hana")) \
                .set_content_encryption_algorithm(pkcs7.algorithms.AES256).encrypt(serialization.Encoding.SMIME, [])
            open(d + "/from-cryptography.eml", "wb").write(b"From: alice@example.com\r\nTo: hana@example.test\r\nSubject: sealed\r\n" + crlf(enveloped))
            print("written")
            """#, arguments: [try hato.port("smtp"), try hato.port("imap"), directory], timeout: 120)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 4, "\(run.stdout) \(run.stderr)")
        #expect(lines[0] == "pkcs1 ['smime=pass body.smime-identifier=alice@example.com body.smime-part=2']", "\(lines[0])")
        #expect(lines[1] == "pss ['smime=pass body.smime-identifier=alice@example.com body.smime-part=2']", "RSA-PSS (RFC 8551 §2.2): \(lines[1])")
        #expect(lines[2] == "ecdsa ['smime=pass body.smime-identifier=carol@example.com body.smime-part=2']", "\(lines[2])")

        let opened = try await hato.cli("smime", "decrypt", "\(directory)/from-cryptography.eml", "--account", "hana@example.test")
        #expect(opened.status == 0 && opened.stdout.hasSuffix("\r\n\r\nMinutes of the meeting on the 3rd.\r\n")
                && opened.stdout.contains("Subject: sealed\r\n"), "\(opened.stdout) \(opened.stderr)")

        try "From: hana@example.test\r\nTo: bob@example.net\r\nSubject: for bob\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nOnly bob reads this.\r\n"
            .write(toFile: "\(directory)/to-bob.eml", atomically: true, encoding: .utf8)
        let sealed = try await hato.cli("smime", "encrypt", "\(directory)/to-bob.eml", "--account", "hana@example.test")
        #expect(sealed.status == 0, "\(sealed.stderr)")
        try sealed.stdout.write(toFile: "\(directory)/to-bob.p7m", atomically: true, encoding: .utf8)
        let read = try await Python.run(#"""
            import sys
            from cryptography import x509
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.serialization import pkcs7
            d = sys.argv[1]
            cert = x509.load_pem_x509_certificate(open(d + "/bob.pem", "rb").read())
            key = serialization.load_pem_private_key(open(d + "/bob.key", "rb").read(), None)
            plain = pkcs7.pkcs7_decrypt_smime(open(d + "/to-bob.p7m", "rb").read(), cert, key, [])
            print(b"Only bob reads this." in plain, plain.startswith(b"Content-Type: text/plain"))
            """#, arguments: [directory])
        #expect(read.stdout == "True True\n", "cryptography decrypts what hato smime encrypt wrote: \(read.stdout) \(read.stderr)")
        try await dns.shutdown()
    }
}
