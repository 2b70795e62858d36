import Foundation
import Testing
@testable import MailAuth

/// Hostile input: single-byte changes anywhere in a signed message never crash the verifier and
/// never turn into a pass unless the change is one canonicalization forgives.
@Suite struct DKIMMutationTests {
    static let key = try! DKIMPrivateKey.generate(.ed25519)
    static let records = ["m1._domainkey.example.com": key.keyRecord]

    /// SplitMix64: the same sequence on every run, so a failure can be replayed.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    @Test func singleByteChangesNeverForgeAPass() async throws {
        let signer = DKIMSigner(keys: [DKIMSigningKey(domain: "example.com", selector: "m1", privateKey: Self.key)])
        let signed = try signer.sign(sampleMessage(bodyLines: 8), now: Date())
        let verifier = DKIMVerifier(resolver: try keyResolver(Self.records))
        #expect(await verifier.verify(signed, now: Date()).map(\.result) == [.pass])
        let replacements: [UInt8] = Array("aZ09;=:- \t\r\n\u{7F}\u{00}\u{FF}".utf8) + [0x00, 0xFF]
        var random = Generator(state: 0x5EED)
        var outcomes: [DKIMResult: Int] = [:]
        for _ in 0..<400 {
            var mutated = signed
            let position = Int.random(in: 0..<signed.count, using: &random)
            let replacement = replacements.randomElement(using: &random)!
            guard mutated[position] != replacement else { continue }
            mutated[position] = replacement
            let results = await verifier.verify(mutated, now: Date())
            #expect(results.count <= 1)
            guard let result = results.first else { continue }
            outcomes[result.result, default: 0] += 1
            if result.result == .pass {
                // Forgivable: whitespace for whitespace, or the case of a header name (relaxed).
                let original = signed[position]
                let forgiven = (Self.isWhitespace(original) && Self.isWhitespace(replacement))
                    || (original | 0x20 == replacement | 0x20 && (original | 0x20) >= 0x61 && (original | 0x20) <= 0x7A)
                #expect(forgiven, "byte \(position) \(original) -> \(replacement) still passes")
            }
        }
        #expect((outcomes[.fail] ?? 0) > 100, "\(outcomes)")
    }

    @Test func oversizedSignatureFieldIsRefusedWithoutWork() async throws {
        let padding = String(repeating: "x", count: 9000)
        let message = crlf("DKIM-Signature: v=1; a=rsa-sha256; z=\(padding); d=example.com; s=m1; h=from; bh=; b=AAAA\n")
            + sampleMessage()
        let results = try await verify(message, records: Self.records)
        #expect(results.map(\.result) == [.permerror])
        #expect(results[0].reason == "DKIM-Signature field longer than 8192 bytes")
    }
}
