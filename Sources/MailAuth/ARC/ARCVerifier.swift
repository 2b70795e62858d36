// ARC Validator actions (RFC 8617 §5.2). Canonicalization, hashes and signature checks are
// DKIM's (RFC 6376 §5, imported by §5.2); every error, DNS included, is a "fail" (§5.2.1).

import Crypto
import DNSMessage
import Foundation

/// The verdict on a message's Authenticated Received Chain.
public struct ARCOutcome: Sendable, Hashable {
    public var result: ARCResult
    /// N, the highest instance (0 without a chain).
    public var instance: Int
    /// §5.2 step 5: the oldest instance whose AMS still verifies (0 when all do); nil when not
    /// computed (no chain or a failed one).
    public var oldestPass: Int?
    /// Why the chain failed.
    public var reason: String?
    /// The sealing domains (AS d=) by instance, for trusted-forwarder decisions.
    public var sealers: [String]
    /// The authres-payload of each ARC-Authentication-Results, by instance (index 0 = i=1).
    public var recordedResults: [String]

    public init(result: ARCResult, instance: Int = 0, oldestPass: Int? = nil, reason: String? = nil, sealers: [String] = [],
                recordedResults: [String] = []) {
        self.result = result
        self.instance = instance
        self.oldestPass = oldestPass
        self.reason = reason
        self.sealers = sealers
        self.recordedResults = recordedResults
    }

    /// The domain of the newest seal, when the chain passed.
    public var latestSealer: String? { result == .pass ? sealers.last : nil }
}

public struct ARCVerifier: Sendable {
    public let resolver: any DNSResolving
    /// RSA keys under this many bits fail (RFC 8301 §3.2 applies to ARC as to DKIM).
    public var minimumRSABits: Int

    public init(resolver: any DNSResolving, minimumRSABits: Int = DKIMPublicKey.minimumRSABits) {
        self.resolver = resolver
        self.minimumRSABits = minimumRSABits
    }

    public func verify(_ message: [UInt8]) async -> ARCOutcome {
        await verify(DKIMMessage(message))
    }

    public func verify(_ message: DKIMMessage) async -> ARCOutcome {
        // Step 1: no ARC Set, no chain.
        guard ARCChain.hasARC(message) else { return ARCOutcome(result: .none) }
        let sets: [ARCSet]
        do { sets = try ARCChain.sets(of: message) } catch { return ARCOutcome(result: .fail, reason: error.description) }
        guard let newest = sets.last else { return ARCOutcome(result: .fail, reason: "no complete ARC set") }
        var outcome = ARCOutcome(result: .fail, instance: newest.instance)
        outcome.sealers = sets.map { $0.sealTags["d"]?.lowercased() ?? "" }
        outcome.recordedResults = sets.map { Self.payload(of: $0.results) }
        // Step 2: the newest seal already says fail.
        if newest.sealTags["cv"]?.lowercased() == "fail" {
            outcome.reason = "the newest ARC-Seal says cv=fail"
            return outcome
        }
        // Step 3C: cv=none on i=1, cv=pass above.
        for set in sets {
            let expected = set.instance == 1 ? "none" : "pass"
            guard set.sealTags["cv"]?.lowercased() == expected else {
                outcome.reason = "ARC-Seal i=\(set.instance) has cv=\(set.sealTags["cv"] ?? "(missing)"), expected \(expected)"
                return outcome
            }
            // §4.1.3: h= is not allowed in a seal.
            if set.sealTags["h"] != nil {
                outcome.reason = "ARC-Seal i=\(set.instance) has an h= tag"
                return outcome
            }
        }
        // Step 4: the newest AMS.
        if let failure = await verifySignature(newest, in: message) {
            outcome.reason = "ARC-Message-Signature i=\(newest.instance): \(failure)"
            return outcome
        }
        // Step 5: oldest-pass.
        var oldestPass = 0
        for set in sets.dropLast().reversed() {
            if await verifySignature(set, in: message) != nil {
                oldestPass = set.instance + 1
                break
            }
        }
        // Step 6: every seal, newest first.
        for set in sets.reversed() {
            if let failure = await verifySeal(set, chain: sets) {
                outcome.reason = "ARC-Seal i=\(set.instance): \(failure)"
                return outcome
            }
        }
        outcome.result = .pass
        outcome.oldestPass = oldestPass
        return outcome
    }

    static func payload(of field: DKIMHeaderField) -> String {
        let text = String(decoding: field.rawValue, as: UTF8.self)
        guard let semicolon = text.firstIndex(of: ";") else { return "" }
        // Unfolded, whitespace runs as one space.
        return text[text.index(after: semicolon)...].split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// An AMS is checked as a DKIM-Signature (§4.1.2) whose i= is the instance. nil = verified.
    func verifySignature(_ set: ARCSet, in message: DKIMMessage) async -> String? {
        let tags = set.signatureTags
        for required in ["a", "b", "bh", "d", "h", "s"] where tags[required] == nil { return "missing \(required)=" }
        guard let algorithm = DKIMAlgorithm(rawValue: tags["a"]!.lowercased()), algorithm != .rsaSHA1 else {
            return "unsupported algorithm \(tags["a"]!)"
        }
        let canonicalization = tags["c"].map { DKIMCanonicalizationPair(tag: $0) } ?? DKIMCanonicalizationPair(header: .simple, body: .simple)
        guard let canonicalization else { return "unknown canonicalization \(tags["c"]!)" }
        guard let bodyHash = Data(base64Encoded: DKIMTagList.removingWhitespace(tags["bh"]!)),
              let signature = Data(base64Encoded: DKIMTagList.removingWhitespace(tags["b"]!)) else { return "b= or bh= is not base64" }
        // h= may be folded ("from : to\r\n : subject"): FWS is not part of the names.
        let signed = DKIMTagList.removingWhitespace(tags["h"]!).split(separator: ":").map(String.init)
        // §4.1.2: ARC fields must not be signed by an AMS.
        if signed.contains(where: { ["arc-authentication-results", "arc-message-signature", "arc-seal"].contains($0.lowercased()) }) {
            return "h= lists an ARC header field"
        }
        var length: Int? = nil
        if let l = tags["l"] { guard let value = Int(l) else { return "bad l=" }; length = value }
        let body = DKIMHashing.bodyHash(message.body, canonicalization: canonicalization.body, length: length)
        guard body.hash == Array(bodyHash) else { return "body hash did not verify" }
        let key: DKIMPublicKey
        switch await fetchKey(domain: tags["d"]!, selector: tags["s"]!, algorithm: algorithm) {
        case .failure(let reason): return reason.detail
        case .success(let found): key = found
        }
        let digest = DKIMHashing.headerHash(message.selectHeaders(signed), signatureField: set.messageSignature.raw,
                                            canonicalization: canonicalization.header)
        return key.isValid(signature: Array(signature), digest: digest) ? nil : "signature did not verify"
    }

    /// §5.1.1: the seal signs the ARC Sets 1...i in order (AAR, AMS, AS), relaxed, its own b= empty.
    func verifySeal(_ set: ARCSet, chain: [ARCSet]) async -> String? {
        let tags = set.sealTags
        for required in ["a", "b", "d", "s"] where tags[required] == nil { return "missing \(required)=" }
        guard let algorithm = DKIMAlgorithm(rawValue: tags["a"]!.lowercased()), algorithm != .rsaSHA1 else {
            return "unsupported algorithm \(tags["a"]!)"
        }
        guard let signature = Data(base64Encoded: DKIMTagList.removingWhitespace(tags["b"]!)) else { return "b= is not base64" }
        let key: DKIMPublicKey
        switch await fetchKey(domain: tags["d"]!, selector: tags["s"]!, algorithm: algorithm) {
        case .failure(let reason): return reason.detail
        case .success(let found): key = found
        }
        let fields = Self.chainFields(chain.prefix { $0.instance < set.instance }) + [set.results, set.messageSignature]
        let digest = DKIMHashing.headerHash(fields, signatureField: set.seal.raw, canonicalization: .relaxed)
        return key.isValid(signature: Array(signature), digest: digest) ? nil : "signature did not verify"
    }

    /// Every field of the given sets in seal order: AAR, AMS, AS for each instance (§5.1.1).
    static func chainFields(_ sets: some Collection<ARCSet>) -> [DKIMHeaderField?] {
        sets.flatMap { [$0.results, $0.messageSignature, $0.seal] }
    }

    struct KeyProblem: Error { let detail: String }

    /// The key at selector._domainkey.domain (RFC 6376 §3.6.2); every failure is a fail (§5.2.1).
    func fetchKey(domain: String, selector: String, algorithm: DKIMAlgorithm) async -> Result<DKIMPublicKey, KeyProblem> {
        let name = "\(selector)._domainkey.\(domain)"
        let texts: [String]
        do { texts = try await resolver.lookupTXT(try DNSName(name)) } catch {
            return .failure(KeyProblem(detail: "key lookup at \(name) failed: \(error)"))
        }
        for text in texts {
            guard let record = try? DKIMKeyRecord.parsed(text) else { continue }
            guard !record.isRevoked else { return .failure(KeyProblem(detail: "key revoked at \(name)")) }
            guard record.keyType == algorithm.keyType else { return .failure(KeyProblem(detail: "key type does not match a=")) }
            do { return .success(try DKIMPublicKey.parsed(type: record.keyType, data: record.publicKey, minimumRSABits: minimumRSABits)) } catch {
                return .failure(KeyProblem(detail: "key at \(name): \(error)"))
            }
        }
        return .failure(KeyProblem(detail: "no key record at \(name)"))
    }
}
