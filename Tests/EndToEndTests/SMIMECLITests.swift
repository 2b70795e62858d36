import Foundation
import HatoTesting
import Testing

/// `hato smime import|import-cert|list|remove|sign|verify|encrypt|decrypt` through the real
/// binary, with keys and certificates the openssl command line made (root → intermediate →
/// user) and its `cms` command as the other side of every operation.
@Suite(.heavy, .enabled(if: OpenSSLAvailability.available || OpenSSLAvailability.required, "openssl is not installed"))
struct SMIMECLITests {
    let workspace: CLIWorkspace

    init() throws {
        workspace = try CLIWorkspace(prefix: "hato-smime-cli")
    }

    func hato(_ arguments: String..., stdin: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await workspace.hato(arguments, stdin: stdin)
    }

    func openssl(_ arguments: String, in pki: SMIMETestPKI) async throws -> String {
        let process = try ChildProcess(executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "openssl " + arguments], directory: pki.directory)
        process.closeInput()
        let status = await process.exit(timeout: .seconds(60))
        return "\(status) " + process.errorOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func importChecksTheAddressAndSealsTheKey() async throws {
        let pki = try await SMIMETestPKI.make()
        let d = pki.directory.path
        #expect(try await hato("domain", "add", "example.test").status == 0)
        for user in ["hana", "taro", "kenji"] {
            #expect(try await hato("account", "add", "\(user)@example.test", "--password-stdin", stdin: "a long password\n").status == 0)
        }
        let wrongAddress = try await hato("smime", "import", "taro@example.test", "--cert", "\(d)/hana.pem", "--key", "\(d)/hana.key")
        #expect(wrongAddress.status != 0)
        #expect(wrongAddress.stderr.contains("is not for taro@example.test (it has: hana@example.test); RFC 8550 §3"), "\(wrongAddress.stderr)")
        let wrongKey = try await hato("smime", "import", "hana@example.test", "--cert", "\(d)/hana.pem", "--key", "\(d)/bob.key")
        #expect(wrongKey.stderr.contains("the private key does not belong to certificate"), "\(wrongKey.stderr)")
        try "not the password\n".write(toFile: "\(d)/wrong.pw", atomically: true, encoding: .utf8)
        let wrongPassword = try await hato("smime", "import", "kenji@example.test", "--p12", "\(d)/kenji.p12", "--password-file", "\(d)/wrong.pw")
        #expect(wrongPassword.stderr.contains("cannot open the PKCS#12 file (wrong password?)"), "\(wrongPassword.stderr)")
        let noAccount = try await hato("smime", "import", "bob@example.net", "--cert", "\(d)/bob.pem", "--key", "\(d)/bob.key")
        #expect(noAccount.stderr.contains("no account bob@example.net"), "\(noAccount.stderr)")
        let expired = try await hato("smime", "import-cert", "\(d)/erin.pem")
        #expect(expired.stderr.contains("expired on 2020-01-02T00:00:00Z"), "\(expired.stderr)")
        let serverOnly = try await hato("smime", "import-cert", "\(d)/dave.pem")
        #expect(serverOnly.stderr.contains("does not allow S/MIME encryption"), "\(serverOnly.stderr)")

        let hana = try await hato("smime", "import", "hana@example.test", "--cert", "\(d)/hana-chain.pem", "--key", "\(d)/hana.key")
        #expect(hana.status == 0, "\(hana.stderr)")
        let fingerprint = try #require(hana.stdout.split(separator: " ").dropFirst().first.map(String.init))
        #expect(hana.stdout.hasPrefix("imported \(fingerprint) for hana@example.test (sign+encrypt, 1 chain certificates, valid until "))
        let bob = try await hato("smime", "import-cert", "\(d)/bob.pem")
        #expect(bob.status == 0 && bob.stdout.hasSuffix(" for bob@example.net\n"), "\(bob.stderr)")
        let listed = try await hato("smime", "list")
        let rows = listed.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(rows.count == 3, "\(listed.stdout)")
        #expect(rows.dropFirst().first.map { Array($0.prefix(6)) } == [fingerprint, "hana@example.test", "hana@example.test", "sealed", "sign+encrypt", "valid"])
        #expect(rows.last.map { Array($0.dropFirst().prefix(5)) } == ["(contact)", "bob@example.net", "no", "sign+encrypt", "valid"])

        // The key is nowhere in the data directory in the clear; the server key is private.
        _ = try await openssl("pkcs8 -topk8 -nocrypt -in hana.key -outform DER -out hana.p8", in: pki)
        let plainKey = try Data(contentsOf: pki.directory.appendingPathComponent("hana.p8"))
        let data = workspace.directory.url.appendingPathComponent("data")
        for name in try FileManager.default.subpathsOfDirectory(atPath: data.path) {
            let bytes = (try? Data(contentsOf: data.appendingPathComponent(name))) ?? Data()
            #expect(bytes.range(of: plainKey.suffix(64)) == nil, "\(name) holds the private key")
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: data.appendingPathComponent("server-secret.key").path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect((attributes[.size] as? NSNumber)?.intValue == 32)

        #expect(try await hato("smime", "remove", fingerprint).stdout == "removed \(fingerprint)\n")
        #expect(try await hato("smime", "list", "hana@example.test").stdout.split(separator: "\n").count == 1)
    }

    @Test func signEncryptDecryptVerifyWithOpenSSLOnTheOtherSide() async throws {
        let pki = try await SMIMETestPKI.make()
        let d = pki.directory.path
        let config = try String(contentsOfFile: workspace.configPath, encoding: .utf8)
        try (config + "\n[smime]\ntrust = [\"\(pki.rootCA)\"]\n").write(toFile: workspace.configPath, atomically: true, encoding: .utf8)
        #expect(try await hato("domain", "add", "example.test").status == 0)
        #expect(try await hato("account", "add", "hana@example.test", "--password-stdin", stdin: "a long password\n").status == 0)
        #expect(try await hato("smime", "import", "hana@example.test", "--cert", "\(d)/hana-chain.pem", "--key", "\(d)/hana.key").status == 0)
        #expect(try await hato("smime", "import-cert", "\(d)/bob.pem").status == 0)
        let entity = SMIMESubmissionServeTests.entity
        // LF line endings in the file: read as CRLF.
        try SMIMESubmissionServeTests.message(from: "hana@example.test", to: "bob@example.net").replacingOccurrences(of: "\r\n", with: "\n")
            .write(toFile: "\(d)/plain.eml", atomically: true, encoding: .utf8)
        try entity.write(toFile: "\(d)/entity.txt", atomically: true, encoding: .utf8)

        let signed = try await hato("smime", "sign", "\(d)/plain.eml", "--account", "hana@example.test")
        #expect(signed.status == 0, "\(signed.stderr)")
        try signed.stdout.write(toFile: "\(d)/signed.eml", atomically: true, encoding: .utf8)
        // Not -binary: openssl's binary S/MIME reader keeps the CR before the boundary in the content.
        #expect(try await openssl("cms -verify -CAfile ca.pem -in signed.eml -out verified.txt", in: pki) == "0 CMS Verification successful")
        #expect(try Data(contentsOf: pki.directory.appendingPathComponent("verified.txt")) == Data(entity.utf8), "byte for byte")
        let verified = try await hato("smime", "verify", "\(d)/signed.eml")
        #expect(verified.stdout == "smime=pass body.smime-identifier=hana@example.test body.smime-part=2\n", "\(verified.stderr)")
        try signed.stdout.replacingOccurrences(of: "hana\r\n", with: "Hana\r\n").write(toFile: "\(d)/tampered.eml", atomically: true, encoding: .utf8)
        let tampered = try await hato("smime", "verify", "\(d)/tampered.eml")
        #expect(tampered.status == 1 && tampered.stdout.hasPrefix("smime=fail (content verify error)"), "\(tampered.stdout)")

        // smime.rsa_signature = "pss": RSASSA-PSS (RFC 4056) instead of PKCS#1 v1.5, verified by openssl.
        #expect(try await openssl("cms -cmsout -print -in signed.eml -out signed.txt", in: pki) == "0 ")
        #expect(try String(contentsOfFile: "\(d)/signed.txt", encoding: .utf8).contains("algorithm: rsaEncryption"))
        try (config + "\n[smime]\ntrust = [\"\(pki.rootCA)\"]\nrsa_signature = \"pss\"\n").write(toFile: workspace.configPath, atomically: true, encoding: .utf8)
        let pss = try await hato("smime", "sign", "\(d)/plain.eml", "--account", "hana@example.test")
        #expect(pss.status == 0, "\(pss.stderr)")
        try pss.stdout.write(toFile: "\(d)/signed-pss.eml", atomically: true, encoding: .utf8)
        #expect(try await openssl("cms -verify -CAfile ca.pem -in signed-pss.eml -out verified-pss.txt", in: pki) == "0 CMS Verification successful")
        #expect(try Data(contentsOf: pki.directory.appendingPathComponent("verified-pss.txt")) == Data(entity.utf8), "byte for byte")
        #expect(try await openssl("cms -cmsout -print -in signed-pss.eml -out signed-pss.txt", in: pki) == "0 ")
        let printed = try String(contentsOfFile: "\(d)/signed-pss.txt", encoding: .utf8)
        #expect(printed.contains("algorithm: rsassaPss") && printed.contains("sha256"), "\(printed.suffix(1200))")
        #expect(try await hato("smime", "verify", "\(d)/signed-pss.eml").stdout.hasPrefix("smime=pass"))
        try (config + "\n[smime]\ntrust = [\"\(pki.rootCA)\"]\n").write(toFile: workspace.configPath, atomically: true, encoding: .utf8)

        let encrypted = try await hato("smime", "encrypt", "\(d)/plain.eml", "--account", "hana@example.test")
        #expect(encrypted.status == 0, "\(encrypted.stderr)")
        #expect(encrypted.stdout.contains("Content-Type: application/pkcs7-mime; smime-type=enveloped-data"))
        #expect(encrypted.stdout.hasPrefix("From: hana@example.test\r\nTo: bob@example.net\r\nSubject: =?ISO-2022-JP?B?GyRCNUQ7dk8/GyhC?=\r\nMIME-Version: 1.0\r\n"))
        try encrypted.stdout.write(toFile: "\(d)/encrypted.eml", atomically: true, encoding: .utf8)
        #expect(try await openssl("cms -decrypt -binary -in encrypted.eml -recip bob.pem -inkey bob.key -out bob.txt", in: pki) == "0 ")
        #expect(try Data(contentsOf: pki.directory.appendingPathComponent("bob.txt")) == Data(entity.utf8), "byte for byte")
        let noCertificate = try await hato("smime", "encrypt", "\(d)/plain.eml", "--account", "hana@example.test", "--to", "carol@example.com")
        #expect(noCertificate.status != 0 && noCertificate.stderr.contains("no S/MIME certificate for carol@example.com"), "\(noCertificate.stderr)")

        // openssl encrypts to hana (with the outer fields it was given), Hato decrypts.
        #expect(try await openssl("cms -encrypt -binary -aes256 -in entity.txt -out to-hana.eml -from hana@example.test -to hana@example.test -subject x hana.pem",
                                  in: pki) == "0 ")
        let decrypted = try await hato("smime", "decrypt", "\(d)/to-hana.eml", "--account", "hana@example.test")
        #expect(decrypted.status == 0, "\(decrypted.stderr)")
        #expect(decrypted.stdout.hasSuffix("MIME-Version: 1.0\r\n" + entity), "\(decrypted.stdout)")
        let notMine = try await hato("smime", "decrypt", "\(d)/encrypted.eml", "--account", "hana@example.test")
        #expect(notMine.status == 0, "hana's own certificate is a recipient of what she encrypts: \(notMine.stderr)")

        // smime.content_encryption = "aes256-gcm": AuthEnvelopedData (RFC 5083), opened by openssl and by Hato.
        try (config + "\n[smime]\ntrust = [\"\(pki.rootCA)\"]\ncontent_encryption = \"aes256-gcm\"\n").write(toFile: workspace.configPath, atomically: true, encoding: .utf8)
        let gcm = try await hato("smime", "encrypt", "\(d)/plain.eml", "--account", "hana@example.test")
        #expect(gcm.status == 0 && gcm.stdout.contains("Content-Type: application/pkcs7-mime; smime-type=authEnveloped-data"), "\(gcm.stdout.prefix(300)) \(gcm.stderr)")
        try gcm.stdout.write(toFile: "\(d)/gcm.eml", atomically: true, encoding: .utf8)
        #expect(try await openssl("cms -decrypt -binary -in gcm.eml -recip bob.pem -inkey bob.key -out bob-gcm.txt", in: pki) == "0 ")
        #expect(try Data(contentsOf: pki.directory.appendingPathComponent("bob-gcm.txt")) == Data(entity.utf8), "byte for byte")
        #expect(try await openssl("cms -cmsout -print -in gcm.eml -out gcm.txt", in: pki) == "0 ")
        let structure = try String(contentsOfFile: "\(d)/gcm.txt", encoding: .utf8)
        #expect(structure.contains("id-smime-ct-authEnvelopedData") && structure.contains("aes-256-gcm"), "\(structure.prefix(600))")
        let gcmOpened = try await hato("smime", "decrypt", "\(d)/gcm.eml", "--account", "hana@example.test")
        #expect(gcmOpened.status == 0 && gcmOpened.stdout.hasSuffix(entity), "\(gcmOpened.stderr)")
    }
}
