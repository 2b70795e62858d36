import Foundation
import Testing
@testable import MailAuth

/// Hato's signer checked by Hato's verifier; the cross-checks with dkimpy and OpenDKIM are elsewhere.
@Suite struct DKIMSignerTests {
    static let rsaKey = try! DKIMPrivateKey.generate(.rsa)
    static let edKey = try! DKIMPrivateKey.generate(.ed25519)

    static var signer: DKIMSigner {
        DKIMSigner(keys: [
            DKIMSigningKey(domain: "Example.com", selector: "rsa1", privateKey: rsaKey),
            DKIMSigningKey(domain: "example.com", selector: "ed1", privateKey: edKey),
        ])
    }

    static var records: [String: String] {
        ["rsa1._domainkey.example.com": rsaKey.keyRecord, "ed1._domainkey.example.com": edKey.keyRecord]
    }

    @Test func twoSignaturesThatBothVerify() async throws {
        let signed = try Self.signer.sign(sampleMessage(), now: Date())
        let results = try await verify(signed, records: Self.records)
        #expect(results.map(\.result) == [.pass, .pass])
        #expect(results.map(\.algorithm) == ["rsa-sha256", "ed25519-sha256"])
        #expect(results.map(\.keyBits) == [2048, 256])
        #expect(results.allSatisfy { $0.underSignedHeaders.isEmpty && $0.reason == nil })
    }

    @Test func fieldsAreFoldedAndOverSignPresentHeaders() throws {
        let fields = try Self.signer.signatureFields(for: DKIMMessage(sampleMessage()), now: Date(timeIntervalSince1970: 1_700_000_000))
        let text = String(decoding: fields[0], as: UTF8.self)
        #expect(text.hasPrefix("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=rsa1;"))
        #expect(text.hasSuffix("\r\n"))
        for line in text.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78, "\(line)") }
        let signature = try DKIMSignature(value: DKIMMessage(fields[0] + Array("\r\n".utf8)).headers[0].rawValue)
        #expect(signature.timestamp == 1_700_000_000)
        #expect(signature.signedHeaders.map { $0.lowercased() } == [
            "from", "from", "to", "to", "cc", "cc", "subject", "subject", "date", "date", "message-id", "message-id",
            "mime-version", "mime-version", "content-type", "content-type", "content-transfer-encoding",
            "content-transfer-encoding",
        ])
    }

    @Test func addedOrChangedHeadersBreakTheSignatures() async throws {
        let signed = String(decoding: try Self.signer.sign(sampleMessage(), now: Date()), as: UTF8.self)
        // A second Subject added below the first: over-signing makes it count.
        let added = signed.replacingOccurrences(of: "Subject: Quarterly numbers\r\n",
                                                with: "Subject: Quarterly numbers\r\nSubject: Click here\r\n")
        #expect(try await verify(Array(added.utf8), records: Self.records).map(\.result) == [.fail, .fail])
        // Relaxed canonicalization tolerates whitespace and case changes in header names.
        let refolded = signed.replacingOccurrences(of: "Subject: Quarterly numbers", with: "SUBJECT:   Quarterly\r\n numbers")
        #expect(try await verify(Array(refolded.utf8), records: Self.records).map(\.result) == [.pass, .pass])
        // ... but not in content.
        let changed = signed.replacingOccurrences(of: "Line 3 of", with: "Line 4 of")
        #expect(try await verify(Array(changed.utf8), records: Self.records).map(\.result) == [.fail, .fail])
    }

    @Test func simpleCanonicalizationRoundTrips() async throws {
        let signer = DKIMSigner(keys: Self.signer.keys, canonicalization: DKIMCanonicalizationPair(header: .simple, body: .simple))
        let signed = try signer.sign(sampleMessage(), now: Date())
        #expect(try await verify(signed, records: Self.records).map(\.result) == [.pass, .pass])
    }

    @Test func aMessageWithoutFromIsNotSigned() {
        #expect(throws: DKIMSigningError.noFrom) {
            try Self.signer.sign(crlf("Subject: x\n\nbody\n"), now: Date())
        }
    }

    @Test func storedPEMKeysRoundTrip() throws {
        let rsa = try DKIMPrivateKey(pem: Self.rsaKey.pemRepresentation, type: .rsa)
        let ed = try DKIMPrivateKey(pem: Self.edKey.pemRepresentation, type: .ed25519)
        #expect(rsa.keyRecord == Self.rsaKey.keyRecord)
        #expect(ed.keyRecord == Self.edKey.keyRecord)
        #expect(throws: DKIMKeyError.self) { try DKIMPrivateKey(pem: "nonsense", type: .rsa) }
    }
}
