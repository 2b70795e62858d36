import Foundation
import HatoTesting
import OpenPGP
import Testing

/// Keys made once per test process by real GnuPG (GnuPGTestKeys).
enum SharedKeys {
    static var keys: GnuPGTestKeys { get async throws { try await GnuPGTestKeys.shared } }
}

/// Certificates `gpg --export` wrote, read through RNP (RFC 9580 §10.1 transferable public keys).
@Suite(.enabled(if: GnuPGAvailability.available || GnuPGAvailability.required, "gpg is not installed"))
struct OpenPGPCertificateTests {
    @Test(arguments: [true, false])
    func readsAnEd25519CertificateArmoredOrBinary(armored: Bool) async throws {
        let keys = try await SharedKeys.keys
        let certificates = try OpenPGPCertificate.read(try await keys.export("alice", armored: armored))
        let alice = try #require(certificates.first)
        #expect(certificates.count == 1)
        #expect(alice.fingerprint == (try keys.fingerprint("alice")))
        #expect(alice.algorithm == "EDDSA")
        #expect(alice.userIDs == [OpenPGPUserID(text: "Alice <alice@example.com>", valid: true)])
        #expect(alice.addresses == ["alice@example.com"])
        #expect(alice.encryptionKeys.count == 1 && alice.encryptionKeys[0] != alice.fingerprint, "the Cv25519 subkey: \(alice.encryptionKeys)")
        #expect(alice.refusal(forAddress: "Alice@Example.com") == nil)
        // What is stored is binary and reads back the same.
        #expect(alice.data.first.map { $0 & 0x80 } == 0x80, "a binary packet, not armor")
        #expect(try OpenPGPCertificate.read(alice.data) == certificates)
    }

    @Test func readsAnRSACertificate() async throws {
        let keys = try await SharedKeys.keys
        let bob = try #require(try OpenPGPCertificate.read(try await keys.export("bob")).first)
        #expect(bob.algorithm == "RSA")
        #expect(bob.refusal(forAddress: "bob@example.com") == nil)
    }

    @Test func refusesACertificateWithoutTheAccountsUserID() async throws {
        let keys = try await SharedKeys.keys
        let bob = try #require(try OpenPGPCertificate.read(try await keys.export("bob")).first)
        #expect(bob.refusal(forAddress: "alice@example.com")
            == "certificate \(bob.fingerprint) has no valid User ID with alice@example.com (it has: Bob <bob@example.com>)")
    }

    @Test func refusesACertificateWithoutAnEncryptionSubkey() async throws {
        let keys = try await SharedKeys.keys
        let dave = try #require(try OpenPGPCertificate.read(try await keys.export("dave")).first)
        #expect(dave.encryptionKeys.isEmpty)
        #expect(dave.refusal(forAddress: "dave@example.com") == "certificate \(dave.fingerprint) has no valid encryption subkey")
        #expect(dave.contactRefusal == nil, "a correspondent's signing-only key still verifies signatures")
    }

    @Test func anExpiredEncryptionSubkeyDoesNotCount() async throws {
        let keys = try await SharedKeys.keys
        let erin = try #require(try OpenPGPCertificate.read(try await keys.export("erin")).first)
        #expect(erin.valid)
        #expect(erin.encryptionKeys.isEmpty)
        #expect(erin.refusal(forAddress: "erin@example.com") == "certificate \(erin.fingerprint) has no valid encryption subkey")
    }

    @Test func refusesARevokedCertificate() async throws {
        let keys = try await SharedKeys.keys
        let carol = try #require(try OpenPGPCertificate.read(try await keys.export("carol")).first)
        #expect(carol.revoked && !carol.valid)
        #expect(carol.refusal(forAddress: "carol@example.com") == "certificate \(carol.fingerprint) is revoked")
        #expect(carol.contactRefusal == "certificate \(carol.fingerprint) is revoked")
    }

    @Test func readsSeveralCertificatesFromOneFile() async throws {
        let keys = try await SharedKeys.keys
        let both = try await keys.export("alice", armored: false) + keys.export("bob", armored: false)
        let fingerprints = Set(try OpenPGPCertificate.read(both).map(\.fingerprint))
        #expect(fingerprints == [try keys.fingerprint("alice"), try keys.fingerprint("bob")])
    }

    @Test func refusesWhatIsNotACertificateOrTooLarge() async throws {
        #expect(throws: OpenPGPError("empty certificate")) { try OpenPGPCertificate.read([]) }
        #expect(throws: OpenPGPError.self) { try OpenPGPCertificate.read(Array("hello, not a key\n".utf8)) }
        let keys = try await SharedKeys.keys
        let alice = try await keys.export("alice")
        #expect(throws: OpenPGPError("certificate of \(alice.count) bytes, more than 100")) {
            try OpenPGPCertificate.read(alice, limits: OpenPGPLimits(maxCertificateSize: 100))
        }
        #expect(throws: OpenPGPError("2 keys, more than 1")) {
            try OpenPGPCertificate.read(alice, limits: OpenPGPLimits(maxKeys: 1))
        }
    }

    /// RNP closes the log descriptor it is given when its context goes: each context gets its own,
    /// so none leaks and none of ours is closed under us.
    @Test func contextsNeitherLeakNorCloseDescriptors() throws {
        let ours = open("/dev/null", O_RDONLY)
        defer { close(ours) }
        let before = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        for _ in 0..<300 { _ = try? OpenPGPCertificate.read(Array("garbage".utf8)) }
        #expect(fcntl(ours, F_GETFD) != -1, "a descriptor opened before is still open")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count < before + 100, "no descriptor per context (other tests run beside this one)")
    }

    @Test func userIDAddresses() {
        #expect(OpenPGPUserID(text: "Ärger <A@Example.COM>", valid: true).address == "a@example.com")
        #expect(OpenPGPUserID(text: "bare@example.com", valid: true).address == "bare@example.com")
        #expect(OpenPGPUserID(text: "No Address", valid: true).address == nil)
        #expect(OpenPGPUserID(text: "Broken <@example.com>", valid: true).address == nil)
    }
}
