@testable import ACME
import Crypto
import Foundation
import SwiftASN1
import Testing
import X509

/// The certificate objects the client makes, read back with swift-certificates' parser; the
/// server's documents as RFC 8555 shows them.
struct ACMEObjectTests {
    /// RFC 8737 §3: SAN with exactly the name, the critical acmeIdentifier extension holding
    /// the DER OCTET STRING of SHA-256(key authorization).
    @Test func tlsALPNCertificateCarriesTheKeyAuthorizationDigest() throws {
        let challenge = try TLSALPNChallengeCertificate(name: "mail.example.test", keyAuthorization: "token.thumb")
        let certificate = try Certificate(derEncoded: challenge.certificateDER)
        let names = try #require(try certificate.extensions.subjectAlternativeNames)
        #expect(Array(names) == [.dnsName("mail.example.test")])
        let extensionValue = try #require(certificate.extensions[oid: [1, 3, 6, 1, 5, 5, 7, 1, 31]])
        #expect(extensionValue.critical)
        #expect(Array(extensionValue.value) == [0x04, 0x20] + Array(SHA256.hash(data: Data("token.thumb".utf8))))
        // Self-signed by the key that comes with it.
        let key = try P256.Signing.PrivateKey(derRepresentation: challenge.privateKeyDER)
        #expect(certificate.publicKey == Certificate.PublicKey(key.publicKey))
        #expect(certificate.issuer == certificate.subject)
    }

    @Test func csrNamesEveryHostAndIsSignedByTheCertificateKey() throws {
        let key = P256.Signing.PrivateKey()
        let der = try CertificateRequest.make(names: ["mail.example.test", "mta-sts.example.test"], key: key)
        let request = try CertificateSigningRequest(derEncoded: der)
        #expect(request.publicKey == Certificate.PublicKey(key.publicKey))
        #expect(request.subject.description == "CN=mail.example.test")
        let extensions = try #require(try request.attributes.extensionRequest?.extensions)
        #expect(Array(try #require(try extensions.subjectAlternativeNames)) == [.dnsName("mail.example.test"), .dnsName("mta-sts.example.test")])
        #expect(request.publicKey.isValidSignature(request.signature, for: request))
    }

    /// RFC 8555 §6.7's example problem document with subproblems.
    @Test func problemDocumentsReadAsTheyAreLogged() throws {
        let json = """
            {"type": "urn:ietf:params:acme:error:malformed",
             "detail": "Some of the identifiers requested were rejected",
             "subproblems": [
               {"type": "urn:ietf:params:acme:error:malformed", "detail": "Invalid underscore in DNS name \\"_example.org\\"",
                "identifier": {"type": "dns", "value": "_example.org"}},
               {"type": "urn:ietf:params:acme:error:rejectedIdentifier", "detail": "This CA will not issue for \\"example.net\\"",
                "identifier": {"type": "dns", "value": "example.net"}}]}
            """
        let problem = try JSONDecoder().decode(ACMEProblem.self, from: Data(json.utf8))
        #expect(problem.acmeErrorName == "malformed")
        #expect(problem.description == #"malformed: Some of the identifiers requested were rejected [malformed (_example.org): Invalid underscore in DNS name "_example.org"; rejectedIdentifier (example.net): This CA will not issue for "example.net"]"#)
    }

    @Test func retryAfterReadsSecondsAndHTTPDates() {
        let now = Date(timeIntervalSince1970: 1_445_412_480)  // Wed, 21 Oct 2015 07:28:00 GMT
        #expect(RetryAfter.parse("120") == .seconds(120))
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:28:30 GMT", now: now) == .seconds(30))
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:20:00 GMT", now: now) == .seconds(0))
        #expect(RetryAfter.parse("soon") == nil)
        #expect(RetryAfter.parse(nil) == nil)
    }
}
