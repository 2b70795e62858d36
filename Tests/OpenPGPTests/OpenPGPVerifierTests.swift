import Foundation
import HatoTesting
import OpenPGP
import Testing

/// Detached signatures by `gpg --detach-sign` verified through RNP (RFC 3156 §5, RFC 9580 §5.2.4).
@Suite(.enabled(if: GnuPGAvailability.available || GnuPGAvailability.required, "gpg is not installed"))
struct OpenPGPVerifierTests {
    static let content = Array("Content-Type: text/plain; charset=utf-8\r\n\r\nPay the invoice today.\r\n".utf8)
    let verifier = OpenPGPVerifier()

    @Test(arguments: ["alice", "bob"])
    func aGoodSignatureNamesItsCertificate(user: String) async throws {
        let keys = try await SharedKeys.keys
        let signature = Array(try await keys.sign(Self.content, as: user).utf8)
        let outcome = verifier.verifyDetached(signature: signature, content: Self.content,
                                              certificates: [try await keys.export("dave"), try await keys.export(user, armored: false)])
        guard case .good(let signer) = outcome else { Issue.record("expected good, got \(outcome)"); return }
        #expect(signer.fingerprint == (try keys.fingerprint(user)))
        #expect(signer.signingKey == signer.fingerprint, "gpg signs with the primary key here")
    }

    @Test func changedContentIsBad() async throws {
        let keys = try await SharedKeys.keys
        let signature = Array(try await keys.sign(Self.content, as: "alice").utf8)
        var changed = Self.content
        changed[changed.count - 3] ^= 0x01
        let outcome = verifier.verifyDetached(signature: signature, content: changed, certificates: [try await keys.export("alice")])
        guard case .bad = outcome else { Issue.record("expected bad, got \(outcome)"); return }
    }

    @Test func aSignerWithoutACertificateIsUnknownByKeyID() async throws {
        let keys = try await SharedKeys.keys
        let signature = Array(try await keys.sign(Self.content, as: "mallory").utf8)
        let outcome = verifier.verifyDetached(signature: signature, content: Self.content, certificates: [try await keys.export("alice")])
        #expect(outcome == .unknownSigner(String(try keys.fingerprint("mallory").suffix(16))))
    }

    @Test func aRevokedKeysSignatureDoesNotVerify() async throws {
        let keys = try await SharedKeys.keys
        let signature = Array(try await keys.sign(Self.content, as: "carol").utf8)
        let outcome = verifier.verifyDetached(signature: signature, content: Self.content, certificates: [try await keys.export("carol")])
        guard case .bad = outcome else { Issue.record("expected bad, got \(outcome)"); return }
    }

    @Test func garbageAndOversizedSignaturesAreUnusable() async throws {
        let keys = try await SharedKeys.keys
        let alice = try await keys.export("alice")
        #expect(verifier.verifyDetached(signature: [], content: Self.content, certificates: [alice]) == .unusable("empty signature"))
        guard case .unusable = verifier.verifyDetached(signature: Array("not a signature".utf8), content: Self.content, certificates: [alice])
        else { Issue.record("garbage must be unusable"); return }
        let signature = Array(try await keys.sign(Self.content, as: "alice").utf8)
        let small = OpenPGPVerifier(limits: OpenPGPLimits(maxSignatureSize: 64))
        #expect(small.verifyDetached(signature: signature, content: Self.content, certificates: [alice])
            == .unusable("signature of \(signature.count) bytes, more than 64"))
    }
}

/// Cleartext signatures (`gpg --clearsign`, RFC 9580 §7) verified through RNP.
@Suite(.enabled(if: GnuPGAvailability.available || GnuPGAvailability.required, "gpg is not installed"))
struct OpenPGPCleartextVerifierTests {
    let verifier = OpenPGPVerifier()

    @Test func goodChangedAndUnknownSigner() async throws {
        let keys = try await SharedKeys.keys
        let text = try await keys.clearsign("Pay the invoice today.\n-- dashes are escaped\n", as: "alice")
        let block = Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        let alice = try await keys.export("alice")
        guard case .good(let signer) = verifier.verifyCleartext(block, certificates: [alice]) else {
            Issue.record("expected good: \(verifier.verifyCleartext(block, certificates: [alice]))"); return
        }
        #expect(signer.fingerprint == (try keys.fingerprint("alice")))
        let changed = Array(text.replacingOccurrences(of: "today", with: "tomorrow").utf8)
        guard case .bad = verifier.verifyCleartext(changed, certificates: [alice]) else { Issue.record("changed text must be bad"); return }
        #expect(verifier.verifyCleartext(block, certificates: [try await keys.export("bob")])
                == .unknownSigner(String(try keys.fingerprint("alice").suffix(16))))
        var limited = OpenPGPLimits()
        limited.maxCleartextSize = 64
        guard case .unusable = OpenPGPVerifier(limits: limited).verifyCleartext(block, certificates: [alice]) else {
            Issue.record("over the size limit must be unusable"); return
        }
        guard case .unusable = verifier.verifyCleartext(Array("-----BEGIN PGP SIGNED MESSAGE-----\nno\n".utf8), certificates: [alice]) else {
            Issue.record("a broken block must be unusable"); return
        }
    }
}
