import Foundation
import HatoTesting
import SMIME
import Testing

/// A certificate value keeps one parsed OpenSSL certificate that every copy shares and every
/// operation borrows: copies must stay equal by their DER, the parsed object must survive the
/// lists and signatures that take references of their own, and concurrent use must work.
@Suite(.enabled(if: OpenSSLAvailability.available || OpenSSLAvailability.required, "openssl is not installed"))
struct SMIMECertificateSharingTests {
    static func read(_ pki: SMIMETestPKI, _ name: String) throws -> [SMIMECertificate] {
        try SMIMECertificate.read(Array(try Data(contentsOf: pki.directory.appendingPathComponent("\(name).pem"))))
    }

    @Test func certificatesReadTwiceAreEqualAndHashAlike() async throws {
        let pki = try await SMIMETestPKI.make()
        let first = try #require(try Self.read(pki, "hana").first)
        let again = try #require(try Self.read(pki, "hana").first)
        let other = try #require(try Self.read(pki, "bob").first)
        #expect(first == again)
        #expect(Set([first, again, other]).count == 2)
        #expect(first != other)
        #expect(first.fingerprint == again.fingerprint)
    }

    @Test func oneCertificateServesManyConcurrentEncryptionsAndSignatures() async throws {
        let pki = try await SMIMETestPKI.make()
        let certificates = try Self.read(pki, "hana") + Self.read(pki, "inter")
        let identity = try SMIMEIdentity(certificates: certificates,
                                         key: Array(try Data(contentsOf: pki.directory.appendingPathComponent("hana.key"))))
        let verifier = SMIMEVerifier(trust: try SMIMETrustStore(sources: [pki.rootCA]))
        let recipient = identity.certificate
        // Each round puts the certificate into an OpenSSL certificate list that is freed afterwards
        // (encryption) and into a CMS structure that is freed too (signing): both take and drop
        // references of their own, which must leave the shared certificate alive for the next.
        let results = await withTaskGroup(of: Bool.self) { group in
            for round in 0..<24 {
                group.addTask {
                    let content = Array("round \(round)\r\n".utf8)
                    guard let sealed = try? SMIMEOperations.encrypt(content, to: [recipient]),
                          (try? identity.decrypt(sealed, limit: 1 << 16)) == content,
                          let signature = try? identity.signDetached(content),
                          case .pass(let signer) = verifier.verifyDetached(signature: signature, content: content)
                    else { return false }
                    return signer.emails == ["hana@example.test"]
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 24)
        #expect(results.allSatisfy { $0 }, "every round encrypts, decrypts, signs and verifies")
        #expect(recipient.isFor("HANA@example.test"), "the certificate is still whole after all rounds")
    }
}
