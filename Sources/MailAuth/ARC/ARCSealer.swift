// ARC Sealer actions (RFC 8617 §5.1): add an ARC Set (AAR, AMS, AS) to a message this host
// forwards. Sealing happens after every modification (§5.1 step 1), e.g. in the outbound queue
// just before a forwarded message leaves, with the verdict this host recorded on arrival.

import Crypto
import Foundation

public struct ARCSealer: Sendable {
    public var domain: String
    public var selector: String
    public var key: DKIMPrivateKey
    /// authserv-id written in the AAR (usually the host name).
    public var authservID: String
    /// Header fields the AMS signs when present (§4.1.2: never ARC fields or Authentication-Results).
    public var signedHeaders: [String]

    public static let defaultSignedHeaders = [
        "From", "To", "Cc", "Subject", "Date", "Message-ID", "Reply-To", "In-Reply-To", "References", "MIME-Version",
        "Content-Type", "Content-Transfer-Encoding", "DKIM-Signature", "List-Id", "List-Unsubscribe", "Sender",
    ]

    public init(domain: String, selector: String, key: DKIMPrivateKey, authservID: String,
                signedHeaders: [String] = ARCSealer.defaultSignedHeaders) {
        self.domain = domain
        self.selector = selector
        self.key = key
        self.authservID = authservID
        self.signedHeaders = signedHeaders
    }

    public enum SealError: Error, Sendable, Hashable, CustomStringConvertible {
        /// §5.1 step 2: the newest seal says cv=fail; the chain is not continued.
        case chainFailed
        /// More than 50 sets would be needed (§4.2.1).
        case tooManyInstances
        case signing(String)

        public var description: String {
            switch self {
            case .chainFailed: "the message's ARC chain already failed (cv=fail)"
            case .tooManyInstances: "the ARC chain already has \(ARCLimits.maxInstance) sets"
            case .signing(let detail): "signing failed: \(detail)"
            }
        }
    }

    /// The three fields to put on top of the message (AS, AMS, AAR order from the top, CRLF-
    /// terminated). `results` is the authres-payload this host recorded (the resinfo list after
    /// the authserv-id) and `chain` the validation status of the chain as it arrived (`ARCVerifier`).
    public func seal(_ message: [UInt8], results: String, chain: ARCResult, now: Date = Date()) throws(SealError) -> String {
        let parsed = DKIMMessage(message)
        let existing = (try? ARCChain.sets(of: parsed)) ?? []
        if existing.last?.sealTags["cv"]?.lowercased() == "fail" { throw .chainFailed }
        // §5.1 step 3: one more than the highest instance present.
        let instance = ARCChain.hasARC(parsed) ? (existing.last?.instance ?? highestInstance(parsed)) + 1 : 1
        guard instance <= ARCLimits.maxInstance else { throw .tooManyInstances }
        let status: ARCResult = instance == 1 ? .none : chain
        let timestamp = Int(now.timeIntervalSince1970)
        let algorithm = key.algorithm.rawValue

        // §4.1.1 AAR.
        let payload = results.isEmpty ? "none" : results
        let aarText = "ARC-Authentication-Results: i=\(instance); \(AuthenticationResultsEncoding.value(authservID));\r\n\t\(payload)\r\n"
        let aar = Self.field(aarText)

        // §4.1.2 AMS: a DKIM-Signature with i= the instance and no v=.
        let present = signedHeaders.filter { name in parsed.headers.contains { $0.hasName(name) } }
        let bodyHash = DKIMHashing.bodyHash(parsed.body, canonicalization: .relaxed).hash
        var amsText = "ARC-Message-Signature: i=\(instance); a=\(algorithm); c=relaxed/relaxed;\r\n\td=\(domain); s=\(selector); t=\(timestamp);\r\n"
            + "\th=\(present.joined(separator: ":"));\r\n\tbh=\(Data(bodyHash).base64EncodedString());\r\n\tb="
        let amsDigest = DKIMHashing.headerHash(parsed.selectHeaders(present), signatureField: Array((amsText + "\r\n").utf8)[...],
                                               canonicalization: .relaxed)
        amsText += try sign(amsDigest) + "\r\n"
        let ams = Self.field(amsText)

        // §4.1.3 AS over every set in order (§5.1.1); after a failure only the new set (§5.1.2).
        var asText = "ARC-Seal: i=\(instance); a=\(algorithm); t=\(timestamp); cv=\(status.rawValue);\r\n\td=\(domain); s=\(selector);\r\n\tb="
        let prior = status == .fail ? [] : existing
        let sealed = ARCVerifier.chainFields(prior) + [aar, ams]
        let asDigest = DKIMHashing.headerHash(sealed, signatureField: Array((asText + "\r\n").utf8)[...], canonicalization: .relaxed)
        asText += try sign(asDigest) + "\r\n"
        return asText + amsText + aarText
    }

    /// Seals and returns the whole message with the new set on top.
    public func sealed(_ message: [UInt8], results: String, chain: ARCResult, now: Date = Date()) throws(SealError) -> [UInt8] {
        Array(try seal(message, results: results, chain: chain, now: now).utf8) + message
    }

    private func highestInstance(_ message: DKIMMessage) -> Int {
        message.headers.compactMap { field -> Int? in
            if field.hasName(ARCChain.resultsName) { return try? ARCChain.resultsInstance(field.rawValue) }
            guard field.hasName(ARCChain.signatureName) || field.hasName(ARCChain.sealName) else { return nil }
            return (try? DKIMTagList(parsing: field.rawValue))?["i"].flatMap { Int($0) }
        }.max() ?? 0
    }

    /// b= folded in 72-character pieces (FWS inside b= is ignored by verifiers, RFC 6376 §3.5).
    private func sign(_ digest: SHA256.Digest) throws(SealError) -> String {
        let bytes: [UInt8]
        do { bytes = try key.sign(digest: digest) } catch { throw .signing("\(error)") }
        let encoded = Data(bytes).base64EncodedString()
        var pieces: [Substring] = []
        var rest = Substring(encoded)
        while !rest.isEmpty {
            pieces.append(rest.prefix(72))
            rest = rest.dropFirst(72)
        }
        return pieces.joined(separator: "\r\n\t ")
    }

    static func field(_ text: String) -> DKIMHeaderField {
        let bytes = Array(text.utf8)
        let name = String(text.prefix { $0 != ":" })
        return DKIMHeaderField(name: name, raw: bytes[...])
    }
}
