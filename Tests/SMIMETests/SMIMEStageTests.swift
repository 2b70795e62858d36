import Foundation
import HatoTesting
import MailAuth
import MailMessage
import Reception
import SMIME
import Testing

/// The `smime` Authentication-Results entry (RFC 7281) for whole messages, From matched to the
/// signer's certificate (RFC 8550 §3).
@Suite(.enabled(if: OpenSSLAvailability.available || OpenSSLAvailability.required, "openssl is not installed"))
struct SMIMEStageTests {
    static func message(from: String, signed: String) -> MIMEMessage {
        let crlf = signed.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        return MIMEMessage(parsing: "From: \(from)\r\nTo: bob@example.net\r\nSubject: invoice\r\n" + crlf)
    }

    func evaluate(_ message: MIMEMessage, _ pki: SMIMETestPKI) throws -> String? {
        SMIMEStage.evaluate(message, verifier: SMIMEVerifier(trust: try SMIMETrustStore(sources: [pki.rootCA])))?.encoded
    }

    @Test func signedByTheSenderPasses() async throws {
        let pki = try await SMIMETestPKI.make()
        let signed = try await pki.sign(entity: SMIMEVerifierTests.entity, user: "alice")
        #expect(try evaluate(Self.message(from: "Alice <alice@example.com>", signed: signed), pki)
            == "smime=pass body.smime-identifier=alice@example.com body.smime-part=2")
        let opaque = try await pki.sign(entity: SMIMEVerifierTests.entity, user: "carol", opaque: true)
        #expect(try evaluate(Self.message(from: "carol@EXAMPLE.com", signed: opaque), pki)
            == "smime=pass body.smime-identifier=carol@example.com body.smime-part=1")
    }

    @Test func signerForAnotherAddressFails() async throws {
        let pki = try await SMIMETestPKI.make()
        let signed = try await pki.sign(entity: SMIMEVerifierTests.entity, user: "alice")
        let result = try #require(try evaluate(Self.message(from: "ceo@example.com", signed: signed), pki))
        #expect(result.hasPrefix("smime=fail (signer certificate is not for the From address ceo@example.com) body.smime-identifier=alice@example.com body.smime-serial="), "\(result)")
        #expect(result.contains("body.smime-issuer=\"CN=Hato Test Root\""), "\(result)")
    }

    @Test func tamperedBodyFails() async throws {
        let pki = try await SMIMETestPKI.make()
        let signed = try await pki.sign(entity: SMIMEVerifierTests.entity, user: "alice")
        let tampered = signed.replacingOccurrences(of: "Pay the invoice today.", with: "Pay the invoice to me.")
        let result = try #require(try evaluate(Self.message(from: "alice@example.com", signed: tampered), pki))
        #expect(result == "smime=fail (content verify error) body.smime-part=2")
    }

    @Test func unsignedAndMalformedMessages() async throws {
        let pki = try await SMIMETestPKI.make()
        let plain = MIMEMessage(parsing: "From: alice@example.com\r\nSubject: hi\r\n\r\nhello\r\n")
        #expect(try evaluate(plain, pki) == nil)
        let garbage = MIMEMessage(parsing: """
            From: alice@example.com\r\nContent-Type: multipart/signed; protocol="application/pkcs7-signature"; boundary=b\r\n\r\n\
            --b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/pkcs7-signature\r\n\
            Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--b--\r\n
            """)
        #expect(try evaluate(garbage, pki) == "smime=neutral (not a CMS structure) body.smime-part=2")
    }
}
