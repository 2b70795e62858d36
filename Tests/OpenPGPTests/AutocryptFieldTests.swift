import Foundation
import HatoTesting
import OpenPGP
import Testing

/// Autocrypt Level 1 §2.1 fields as a receiver reads them, with certificates GnuPG made (alice:
/// Ed25519 + Cv25519; dave: signing only; carol: revoked; mallory: a second key claiming alice's
/// address).
@Suite(.enabled(if: GnuPGAvailability.available || GnuPGAvailability.required, "gpg is not installed"))
struct AutocryptFieldTests {
    static func keydata(_ user: String, folded: Bool = false) async throws -> String {
        let encoded = Data(try await SharedKeys.keys.export(user, armored: false)).base64EncodedString()
        guard folded else { return encoded }
        // §2.1: folding whitespace may sit anywhere in keydata (as an unfolded header value has it).
        return stride(from: 0, to: encoded.count, by: 60).map { start in
            String(encoded.dropFirst(start).prefix(60))
        }.joined(separator: " ")
    }

    @Test func oneValidFieldGivesTheKey() async throws {
        let alice = try await Self.keydata("alice", folded: true)
        let found = try #require(AutocryptField.key(in: ["addr=Alice@Example.com; prefer-encrypt=mutual; _future=1; keydata=\(alice)"],
                                                    for: "alice@example.com", limits: OpenPGPLimits()))
        #expect(found.certificate.fingerprint == (try await SharedKeys.keys.fingerprint("alice")))
        #expect(found.preferEncrypt)
        let plain = try #require(AutocryptField.key(in: ["addr=alice@example.com; keydata=\(alice)"], for: "alice@example.com", limits: OpenPGPLimits()))
        #expect(!plain.preferEncrypt, "no prefer-encrypt is no preference")
    }

    @Test func invalidFieldsGiveNoKey() async throws {
        let alice = try await Self.keydata("alice")
        let limits = OpenPGPLimits()
        let refused: [(String, [String])] = [
            ("an unknown critical attribute", ["addr=alice@example.com; color=blue; keydata=\(alice)"]),
            ("addr twice", ["addr=alice@example.com; addr=bob@example.com; keydata=\(alice)"]),
            ("no addr", ["keydata=\(alice)"]),
            ("no keydata", ["addr=alice@example.com"]),
            ("keydata not base64", ["addr=alice@example.com; keydata=!!!"]),
            ("a field for another address", ["addr=bob@example.com; keydata=\(alice)"]),
            ("two valid fields (§2.3: none counts)", ["addr=alice@example.com; keydata=\(alice)", "addr=alice@example.com; keydata=\(alice)"]),
            ("a key without the address's User ID", ["addr=eve@example.com; keydata=\(alice)"]),
            ("a key that cannot encrypt", ["addr=dave@example.com; keydata=\(try await Self.keydata("dave"))"]),
            ("a revoked key", ["addr=carol@example.com; keydata=\(try await Self.keydata("carol"))"]),
            ("keydata over the limit", ["addr=alice@example.com; keydata=\(alice)"]),
        ]
        for (why, values) in refused {
            let address = why.contains("dave") || why.contains("encrypt") ? "dave@example.com"
                : why.contains("revoked") ? "carol@example.com" : why.contains("User ID") ? "eve@example.com" : "alice@example.com"
            let small = OpenPGPLimits(maxCertificateSize: 64)
            #expect(AutocryptField.key(in: values, for: address, limits: why.contains("limit") ? small : limits) == nil, "\(why)")
        }
        // Two fields, only one of them valid, still give the key.
        #expect(AutocryptField.key(in: ["addr=alice@example.com; color=blue; keydata=\(alice)", "addr=alice@example.com; keydata=\(alice)"],
                                   for: "alice@example.com", limits: limits) != nil)
    }
}
