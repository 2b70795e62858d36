import DNSMessage
import Foundation
import HatoTesting
import Testing
@testable import MailAuth

/// RFC 8617: Hato's sealer and validator against each other and against dkimpy's ARC.
@Suite struct ARCTests {
    func setup() async throws -> (ARCTestKey, StaticResolver) {
        let key = try await ARCTestKey.make()
        let resolver = try StaticResolver(zoneText: key.zoneLine("arc._domainkey.forwarder.example") + key.zoneLine("two._domainkey.second.example"))
        return (key, resolver)
    }

    func sealer(_ key: ARCTestKey, domain: String = "forwarder.example", selector: String = "arc") throws -> ARCSealer {
        ARCSealer(domain: domain, selector: selector, key: try DKIMPrivateKey(pem: key.pem, type: .rsa), authservID: "mx.\(domain)")
    }

    @Test func noChainIsNone() async throws {
        let outcome = await ARCVerifier(resolver: StaticResolver()).verify(arcSampleMessage)
        #expect(outcome == ARCOutcome(result: .none))
    }

    @Test func sealAndVerifyTwoHops() async throws {
        let (key, resolver) = try await setup()
        let first = try sealer(key).sealed(arcSampleMessage, results: "spf=pass smtp.mailfrom=jane@origin.example", chain: .none)
        let verifier = ARCVerifier(resolver: resolver)
        let one = await verifier.verify(first)
        #expect(one.result == .pass, "\(one.reason ?? "")")
        #expect(one.instance == 1)
        #expect(one.sealers == ["forwarder.example"])
        #expect(one.recordedResults == ["mx.forwarder.example; spf=pass smtp.mailfrom=jane@origin.example"])

        let second = try sealer(key, domain: "second.example", selector: "two").sealed(first, results: "arc=pass", chain: one.result)
        let two = await verifier.verify(second)
        #expect(two.result == .pass, "\(two.reason ?? "")")
        #expect(two.instance == 2)
        #expect(two.oldestPass == 0)
        #expect(two.latestSealer == "second.example")
        let text = String(decoding: second, as: UTF8.self)
        #expect(text.hasPrefix("ARC-Seal: i=2; a=rsa-sha256; t="))
        #expect(text.contains("cv=pass"))
    }

    @Test func tamperingBreaksTheChain() async throws {
        let (key, resolver) = try await setup()
        let sealed = try sealer(key).sealed(arcSampleMessage, results: "dkim=pass header.d=origin.example", chain: .none)
        let verifier = ARCVerifier(resolver: resolver)
        let body = String(decoding: sealed, as: UTF8.self).replacingOccurrences(of: "Hello", with: "Goodbye")
        let bodyChanged = await verifier.verify(Array(body.utf8))
        #expect(bodyChanged.result == .fail)
        #expect(bodyChanged.reason == "ARC-Message-Signature i=1: body hash did not verify")
        let aar = String(decoding: sealed, as: UTF8.self).replacingOccurrences(of: "dkim=pass", with: "dkim=fail")
        let resultsChanged = await verifier.verify(Array(aar.utf8))
        #expect(resultsChanged.result == .fail)
        #expect(resultsChanged.reason == "ARC-Seal i=1: signature did not verify")
    }

    /// §5.2 step 3: structure and cv= rules.
    @Test func malformedChainsFail() async throws {
        let (key, resolver) = try await setup()
        let sealed = String(decoding: try sealer(key).sealed(arcSampleMessage, results: "none", chain: .none), as: UTF8.self)
        let verifier = ARCVerifier(resolver: resolver)
        let missingSeal = sealed.replacingOccurrences(of: "ARC-Seal:", with: "X-Old-Seal:")
        #expect(await verifier.verify(Array(missingSeal.utf8)).reason == "ARC set 1 is incomplete")
        let wrongCV = sealed.replacingOccurrences(of: "cv=none", with: "cv=pass")
        #expect(await verifier.verify(Array(wrongCV.utf8)).reason == "ARC-Seal i=1 has cv=pass, expected none")
        let gap = sealed.replacingOccurrences(of: "i=1;", with: "i=2;")
        #expect(await verifier.verify(Array(gap.utf8)).result == .fail)
        let tooHigh = sealed.replacingOccurrences(of: "i=1;", with: "i=51;")
        #expect(await verifier.verify(Array(tooHigh.utf8)).result == .fail)
        // A key that is not published: every ARC error is a fail (§5.2.1).
        #expect(await ARCVerifier(resolver: StaticResolver()).verify(Array(sealed.utf8)).result == .fail)
    }

    @Test func sealerRefusesToContinueAFailedChain() async throws {
        let (key, _) = try await setup()
        let sealed = try sealer(key).sealed(arcSampleMessage, results: "none", chain: .none)
        let failed = try sealer(key, domain: "second.example", selector: "two").sealed(sealed, results: "arc=fail", chain: .fail)
        #expect(String(decoding: failed, as: UTF8.self).contains("cv=fail"))
        #expect(throws: ARCSealer.SealError.chainFailed) { try sealer(key).sealed(failed, results: "none", chain: .fail) }
    }

    /// A chain made by dkimpy's arc_sign (two hops) validates in Hato.
    @Test func dkimpyChainVerifiesInHato() async throws {
        let (key, resolver) = try await setup()
        let output = try await Python.run("""
            import sys, dkim
            key = sys.argv[1].encode()
            msg = sys.argv[2].encode()
            msg = b"Authentication-Results: mx.forwarder.example; spf=pass smtp.mailfrom=jane@origin.example; arc=none\\r\\n" + msg
            sig = dkim.arc_sign(msg, b"arc", b"forwarder.example", key, b"mx.forwarder.example")
            msg = b"".join(sig) + msg
            msg = b"Authentication-Results: mx.second.example; arc=pass\\r\\n" + msg
            sig = dkim.arc_sign(msg, b"two", b"second.example", key, b"mx.second.example")
            sys.stdout.write((b"".join(sig) + msg).decode())
            """, arguments: [key.pem, String(decoding: arcSampleMessage, as: UTF8.self)])
        #expect(output.status == 0, "\(output.stderr)")
        let outcome = await ARCVerifier(resolver: resolver).verify(Array(output.stdout.utf8))
        #expect(outcome.result == .pass, "\(outcome.reason ?? "")")
        #expect(outcome.instance == 2)
        #expect(outcome.sealers == ["forwarder.example", "second.example"])
    }

    /// A chain sealed by Hato validates in dkimpy's arc_verify.
    @Test func hatoChainVerifiesInDkimpy() async throws {
        let (key, resolver) = try await setup()
        let first = try sealer(key).sealed(arcSampleMessage, results: "spf=pass smtp.mailfrom=jane@origin.example", chain: .none)
        let one = await ARCVerifier(resolver: resolver).verify(first)
        let second = try sealer(key, domain: "second.example", selector: "two").sealed(first, results: "arc=pass", chain: one.result)
        let output = try await Python.run("""
            import sys, dkim
            record = sys.argv[1].encode()
            def dns(name, timeout=5):
                return record if name in (b"arc._domainkey.forwarder.example.", b"two._domainkey.second.example.") else None
            cv, results, comment = dkim.arc_verify(sys.argv[2].encode(), dnsfunc=dns)
            print(cv.decode(), comment)
            """, arguments: [key.record, String(decoding: second, as: UTF8.self)])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.hasPrefix("pass "), "\(output.stdout) \(output.stderr)")
    }
}
