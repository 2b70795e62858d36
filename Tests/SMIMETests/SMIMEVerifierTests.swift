import Foundation
import HatoTesting
import MailMessage
import SMIME
import Testing

/// CMS verification over `openssl cms -sign` output (RFC 8551 §3.4.2, §3.5).
@Suite(.enabled(if: OpenSSLAvailability.available || OpenSSLAvailability.required, "openssl is not installed"))
struct SMIMEVerifierTests {
    static let entity = "Content-Type: text/plain; charset=utf-8\r\n\r\nPay the invoice today.\r\n"

    /// The DER of the signature and the signed entity, taken from openssl's S/MIME output.
    static func parts(_ smime: String) -> (signature: [UInt8], content: [UInt8]?) {
        let message = MIMEMessage(parsing: smime.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n"))
        if message.root.parts.count == 2 {
            return (message.decodedBody(of: message.root.parts[1]), Array(message.bytes[message.root.parts[0].range.range]))
        }
        return (message.decodedBody(of: message.root), nil)
    }

    func verifier(_ pki: SMIMETestPKI, trust: String? = nil, limits: SMIMELimits = SMIMELimits()) throws -> SMIMEVerifier {
        SMIMEVerifier(trust: try SMIMETrustStore(sources: [trust ?? pki.rootCA]), limits: limits)
    }

    @Test func detachedRSASignaturePassesWithTheSignersAddress() async throws {
        let pki = try await SMIMETestPKI.make()
        let (signature, content) = Self.parts(try await pki.sign(entity: Self.entity, user: "alice"))
        let outcome = try verifier(pki).verifyDetached(signature: signature, content: try #require(content))
        guard case .pass(let signer) = outcome else { Issue.record("expected pass, got \(outcome)"); return }
        #expect(signer.emails == ["alice@example.com"])
        #expect(signer.issuer == "CN=Hato Test Root")
        #expect(!signer.serial.isEmpty)
    }

    @Test func opaqueECDSASignaturePassesAndYieldsTheContent() async throws {
        let pki = try await SMIMETestPKI.make()
        let (der, _) = Self.parts(try await pki.sign(entity: Self.entity, user: "carol", opaque: true))
        let (outcome, content) = try verifier(pki).verifyOpaque(der)
        guard case .pass(let signer) = outcome else { Issue.record("expected pass, got \(outcome)"); return }
        #expect(signer.emails == ["carol@example.com"])
        #expect(content == Array(Self.entity.utf8))
    }

    @Test func tamperedContentFails() async throws {
        let pki = try await SMIMETestPKI.make()
        let (signature, content) = Self.parts(try await pki.sign(entity: Self.entity, user: "alice"))
        var tampered = try #require(content)
        tampered[tampered.count - 4] = UInt8(ascii: "X")
        let outcome = try verifier(pki).verifyDetached(signature: signature, content: tampered)
        guard case .fail(let reason) = outcome else { Issue.record("expected fail, got \(outcome)"); return }
        #expect(reason == "content verify error", "the messageDigest attribute no longer matches: \(reason)")
    }

    @Test func untrustedRootFails() async throws {
        let pki = try await SMIMETestPKI.make()
        let (signature, content) = Self.parts(try await pki.sign(entity: Self.entity, user: "mallory"))
        let outcome = try verifier(pki).verifyDetached(signature: signature, content: try #require(content))
        guard case .fail(let reason) = outcome else { Issue.record("expected fail, got \(outcome)"); return }
        #expect(reason.contains("issuer certificate"), "\(reason)")
    }

    @Test func certificateWithoutEmailProtectionFails() async throws {
        let pki = try await SMIMETestPKI.make()
        let (signature, content) = Self.parts(try await pki.sign(entity: Self.entity, user: "dave"))
        let outcome = try verifier(pki).verifyDetached(signature: signature, content: try #require(content))
        guard case .fail(let reason) = outcome else { Issue.record("expected fail, got \(outcome)"); return }
        #expect(reason.contains("purpose"), "\(reason)")
    }

    @Test func expiredCertificateFails() async throws {
        let pki = try await SMIMETestPKI.make()
        let (signature, content) = Self.parts(try await pki.sign(entity: Self.entity, user: "erin"))
        let outcome = try verifier(pki).verifyDetached(signature: signature, content: try #require(content))
        guard case .fail(let reason) = outcome else { Issue.record("expected fail, got \(outcome)"); return }
        #expect(reason.contains("expired"), "\(reason)")
    }

    @Test func malformedAndOversizedSignaturesAreNeutral() async throws {
        let pki = try await SMIMETestPKI.make()
        let verifier = try verifier(pki)
        #expect(verifier.verifyDetached(signature: Array("not DER at all".utf8), content: []) == .neutral("not a CMS structure"))
        #expect(verifier.verifyDetached(signature: [], content: []) == .neutral("empty signature"))
        let (signature, content) = Self.parts(try await pki.sign(entity: Self.entity, user: "alice"))
        let small = try self.verifier(pki, limits: SMIMELimits(maxSignatureSize: 100, maxCertificates: 16))
        #expect(small.verifyDetached(signature: signature, content: content ?? []) == .neutral("signature larger than 100 bytes"))
        let few = try self.verifier(pki, limits: SMIMELimits(maxSignatureSize: 1 << 20, maxCertificates: 0))
        #expect(few.verifyDetached(signature: signature, content: content ?? []) == .neutral("1 certificates, more than 0"))
        // Truncated DER at every tenth length: never a crash, never a pass.
        for length in stride(from: 1, to: signature.count, by: 10) {
            let outcome = verifier.verifyDetached(signature: Array(signature.prefix(length)), content: content ?? [])
            if case .pass = outcome { Issue.record("truncated signature passed at \(length)") }
        }
    }

    @Test func missingTrustSourceIsAnError() {
        #expect(throws: SMIMEError.self) { try SMIMETrustStore(sources: ["/nonexistent/anchors.pem"]) }
        #expect(throws: Never.self) { try SMIMETrustStore(sources: ["system"]) }
    }
}
