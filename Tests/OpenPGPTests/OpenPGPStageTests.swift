import Foundation
import Logging
import MailMessage
import MailCore
import MailStore
@testable import Reception
import OpenPGP
import Testing

/// The stage's own parts: which MIME part is the signed one (RFC 3156 §5), how a reason is
/// written into the field, and what happens when the directory cannot be read.
@Suite struct OpenPGPStageTests {
    static func message(_ text: String) -> MIMEMessage {
        MIMEMessage(parsing: text.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    static let signed = """
        Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature"; boundary="s"

        --s
        Content-Type: text/plain

        hello
        --s
        Content-Type: application/pgp-signature

        -----BEGIN PGP SIGNATURE-----
        --s--
        """

    @Test func findsTheSignedPartInsideMultipartMixed() throws {
        let wrapped = Self.message("""
            From: a@example.com
            Content-Type: multipart/mixed; boundary="m"

            --m
            \(Self.signed)
            --m
            Content-Type: text/plain

            list footer
            --m--
            """)
        let found = try #require(PGPSignedPart.find(in: wrapped))
        #expect(String(decoding: wrapped.bytes[found.content.range.range], as: UTF8.self) == "Content-Type: text/plain\r\n\r\nhello")
        #expect(found.signature.contentType.mimeType == "application/pgp-signature")
    }

    @Test func ignoresOtherProtocolsAndEnclosedMessages() {
        let smime = Self.message(Self.signed.replacingOccurrences(of: "application/pgp-signature", with: "application/pkcs7-signature"))
        #expect(PGPSignedPart.find(in: smime) == nil)
        let forwarded = Self.message("""
            From: b@example.com
            Content-Type: multipart/mixed; boundary="m"

            --m
            Content-Type: message/rfc822

            From: a@example.com
            \(Self.signed)
            --m--
            """)
        #expect(PGPSignedPart.find(in: forwarded) == nil, "someone else's signed mail, forwarded, is not this sender's signature")
    }

    @Test func reasonsAreQuotedStringsOnOneLine() {
        #expect(OpenPGPResult.unverified("a \"b\" \\c\r\nd").field == "Hato-OpenPGP: signed; verified=no; reason=\"a \\\"b\\\" \\\\cd\"\r\n")
        #expect(OpenPGPResult.unverified(String(repeating: "x", count: 1000)).value.count == "signed; verified=no; reason=\"\"".count + 300)
        #expect(OpenPGPResult.verified(signer: "ABCD", address: "a@example.com").field
            == "Hato-OpenPGP: signed; verified=yes; signer=ABCD; uid=a@example.com\r\n")
    }

    struct BrokenDirectory: OpenPGPKeyStore {
        func putOpenPGPCertificate(_ certificate: StoredOpenPGPCertificate) async throws { throw MailStoreError.io("down") }
        func openPGPCertificates(account: EmailAddress?) async throws -> [StoredOpenPGPCertificate] { throw MailStoreError.io("down") }
        func openPGPContactCertificates(address: String) async throws -> [StoredOpenPGPCertificate] { throw MailStoreError.io("down") }
        func removeOpenPGPCertificate(fingerprint: String) async throws { throw MailStoreError.io("down") }
    }

    @Test func anUnreadableDirectoryIsSaidSo() async throws {
        let message = Self.message("From: a@example.com\n" + Self.signed)
        let stage = OpenPGPStage(verifier: OpenPGPVerifier(), directory: BrokenDirectory())
        let signed = try #require(PGPSignedPart.find(in: message))
        #expect(await stage.evaluate(message, signed: signed, logger: Logger(label: "test")) == .unverified("contact directory unavailable"))
        let anonymous = Self.message(Self.signed)
        #expect(await stage.evaluate(anonymous, signed: try #require(PGPSignedPart.find(in: anonymous)), logger: Logger(label: "test"))
            == .unverified("no From address"))
    }
}
