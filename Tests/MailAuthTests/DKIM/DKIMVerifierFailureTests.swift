import DNSMessage
import Foundation
import Testing
@testable import MailAuth

/// Every way a signature fails, and the result and reason each one gives.
@Suite struct DKIMVerifierFailureTests {
    static let key = try! DKIMPrivateKey.generate(.ed25519)
    static let records = ["s1._domainkey.example.com": key.keyRecord]

    static func signed(lifetime: Int? = nil, now: Date = Date(), message: [UInt8] = sampleMessage()) throws -> [UInt8] {
        let signer = DKIMSigner(keys: [DKIMSigningKey(domain: "example.com", selector: "s1", privateKey: key)], lifetime: lifetime)
        return try signer.sign(message, now: now)
    }

    /// The message with the signature's tags edited (the signature no longer matters for these checks).
    static func editedSignature(_ edit: (String) -> String) throws -> [UInt8] {
        let text = String(decoding: try signed(), as: UTF8.self)
        let end = text.range(of: "\r\nFrom:")!.lowerBound
        return Array((edit(String(text[..<end])) + String(text[end...])).utf8)
    }

    @Test func unsignedMessageHasNoResults() async throws {
        #expect(try await verify(sampleMessage(), records: Self.records).isEmpty)
    }

    @Test func expiredSignatureIsPermerror() async throws {
        let then = Date(timeIntervalSinceNow: -86_400)
        let message = try Self.signed(lifetime: 3600, now: then)
        let results = try await verify(message, records: Self.records)
        #expect(results.map(\.result) == [.permerror])
        #expect(results[0].reason?.hasPrefix("signature expired") == true)
        // Within the clock skew it still passes.
        let nearlyNow = Date(timeIntervalSince1970: then.timeIntervalSince1970 + 3600 + 200)
        #expect(try await verify(message, records: Self.records, now: nearlyNow).map(\.result) == [.pass])
    }

    @Test func futureTimestampIsNeutral() async throws {
        let message = try Self.signed(now: Date(timeIntervalSinceNow: 3600))
        let results = try await verify(message, records: Self.records)
        #expect(results.map(\.result) == [.neutral])
        let skewed = DKIMVerifierConfiguration(clockSkew: 7200)
        #expect(try await verify(message, records: Self.records, configuration: skewed).map(\.result) == [.pass])
    }

    @Test func revokedKeyIsPermerror() async throws {
        let results = try await verify(try Self.signed(), records: ["s1._domainkey.example.com": "v=DKIM1; k=ed25519; p="])
        #expect(results.map(\.result) == [.permerror])
        #expect(results[0].reason?.hasPrefix("key revoked") == true)
    }

    @Test func missingKeyIsPermerrorAndServfailIsTemperror() async throws {
        #expect(try await verify(try Self.signed(), records: [:]).map(\.result) == [.permerror])
        let failing = try keyResolver(Self.records, failures: ["s1._domainkey.example.com": .responseCode(.serverFailure)])
        let results = await DKIMVerifier(resolver: failing).verify(try Self.signed(), now: Date())
        #expect(results.map(\.result) == [.temperror])
        let timeout = try keyResolver(Self.records, failures: ["s1._domainkey.example.com": .timeout])
        #expect(await DKIMVerifier(resolver: timeout).verify(try Self.signed(), now: Date()).map(\.result) == [.temperror])
    }

    @Test(arguments: [
        ("v=DKIM1; k=ed25519; p=!!notbase64", "not valid base64"),
        ("k=ed25519; v=DKIM1; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "first tag"),
        ("v=DKIM1; k=dsa; p=AAAA", "unknown key type"),
        ("v=DKIM1; k=ed25519", "no p= tag"),
        ("v=DKIM1; k=ed25519; p=AAAA", "32-byte"),
        ("v=DKIM1; k=ed25519; k=rsa; p=AAAA", "more than once"),
    ])
    func malformedKeyRecordIsPermerror(record: String, expected: String) async throws {
        let results = try await verify(try Self.signed(), records: ["s1._domainkey.example.com": record])
        #expect(results.map(\.result) == [.permerror])
        #expect(results[0].reason?.contains(expected) == true, "\(results[0].reason ?? "")")
    }

    @Test func keyTypeMustMatchAlgorithm() async throws {
        let rsa = try DKIMPrivateKey.generate(.rsa)
        let results = try await verify(try Self.signed(), records: ["s1._domainkey.example.com": rsa.keyRecord])
        #expect(results.map(\.result) == [.permerror])
        #expect(results[0].reason?.contains("inappropriate key algorithm") == true)
    }

    @Test func keyRecordConstraintsGivePolicy() async throws {
        let p = Self.key.keyRecord.components(separatedBy: "p=")[1]
        for record in ["v=DKIM1; k=ed25519; h=sha1; p=\(p)", "v=DKIM1; k=ed25519; s=tlsrpt; p=\(p)"] {
            let results = try await verify(try Self.signed(), records: ["s1._domainkey.example.com": record])
            #expect(results.map(\.result) == [.policy], "\(record)")
        }
        let testing = try await verify(try Self.signed(), records: ["s1._domainkey.example.com": "v=DKIM1; k=ed25519; t=y; p=\(p)"])
        #expect(testing.map(\.result) == [.pass])
        #expect(testing[0].testing)
    }

    @Test func fromMustBeSigned() async throws {
        let message = try Self.editedSignature { $0.replacingOccurrences(of: "h=from:from:", with: "h=") }
        let results = try await verify(message, records: Self.records)
        #expect(results.map(\.result) == [.permerror])
        #expect(results[0].reason == "From field not signed (RFC 6376 §6.1.1)")
        #expect(results[0].domain == "example.com")
    }

    @Test(arguments: [
        ("v=1;", "v=2;", "incompatible version"),
        ("a=ed25519-sha256", "a=ed448-sha256", "unsupported algorithm"),
        (" d=example.com;", " d=example.com; i=user@other.example;", "domain mismatch"),
        (" s=s1;", "", "missing required tag s="),
        ("c=relaxed/relaxed", "c=relaxed/fancy", "unsupported canonicalization"),
        (" s=s1;", " s=s1; l=12x;", "invalid l="),
        (" s=s1;", " s=s1; s=s2;", "more than once"),
    ])
    func brokenSignatureFieldsArePermerror(find: String, replace: String, expected: String) async throws {
        let message = try Self.editedSignature { $0.replacingOccurrences(of: find, with: replace) }
        let results = try await verify(message, records: Self.records)
        #expect(results.map(\.result) == [.permerror])
        #expect(results[0].reason?.contains(expected) == true, "\(results[0].reason ?? "")")
    }

    @Test func maxSignaturesBoundsTheWork() async throws {
        var message = try Self.signed()
        for _ in 0..<3 { message = try Self.signed(message: message) }
        #expect(try await verify(message, records: Self.records).count == 4)
        let bounded = DKIMVerifierConfiguration(maxSignatures: 2)
        #expect(try await verify(message, records: Self.records, configuration: bounded).count == 2)
    }

    @Test func underSignedHeadersAreFlagged() async throws {
        // Signed with From listed once only: a second From added later is not covered.
        let signer = DKIMSigner(keys: [DKIMSigningKey(domain: "example.com", selector: "s1", privateKey: Self.key)],
                                overSignedHeaders: [], signedHeaders: ["From", "Subject"])
        var text = String(decoding: try signer.sign(sampleMessage(), now: Date()), as: UTF8.self)
        // A From put on top is not the instance h= selects (§5.4.2 picks from the bottom), so the
        // signature still passes: only the flag tells that a From exists that nobody signed.
        text = "From: Mallory <m@evil.example>\r\n" + text
        let results = try await verify(Array(text.utf8), records: Self.records)
        #expect(results.map(\.result) == [.pass])
        #expect(results[0].reason == "not over-signed: from")
        #expect(results[0].underSignedHeaders == ["from"])
    }
}
