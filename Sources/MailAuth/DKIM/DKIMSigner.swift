// DKIM signing (RFC 6376 §5): relaxed/relaxed, rsa-sha256 and ed25519-sha256, with the
// message's identity headers over-signed so a copy added later breaks the signature (§8.15).

import Crypto
import Foundation

/// A private key and where its public half is published.
public struct DKIMSigningKey: Sendable {
    public var domain: String
    public var selector: String
    public var privateKey: DKIMPrivateKey

    public init(domain: String, selector: String, privateKey: DKIMPrivateKey) {
        self.domain = domain.lowercased()
        self.selector = selector
        self.privateKey = privateKey
    }
}

public struct DKIMSigner: Sendable {
    /// Fields signed when present, each one time more than it appears (RFC 6376 §5.4.2, §8.15).
    public static let defaultOverSignedHeaders = [
        "From", "To", "Cc", "Subject", "Date", "Message-ID", "Reply-To", "MIME-Version", "Content-Type",
        "Content-Transfer-Encoding",
    ]
    /// Fields signed as they appear, without the extra entry.
    public static let defaultSignedHeaders = ["In-Reply-To", "References", "Content-Disposition", "List-Unsubscribe",
                                              "List-Unsubscribe-Post"]

    /// One signature per key, in this order (by default an RSA and an Ed25519 key, RFC 8463 §5).
    public var keys: [DKIMSigningKey]
    public var overSignedHeaders: [String]
    public var signedHeaders: [String]
    public var canonicalization: DKIMCanonicalizationPair
    /// x= this many seconds after t= (nil: no expiration).
    public var lifetime: Int?

    public init(keys: [DKIMSigningKey], overSignedHeaders: [String] = DKIMSigner.defaultOverSignedHeaders,
                signedHeaders: [String] = DKIMSigner.defaultSignedHeaders,
                canonicalization: DKIMCanonicalizationPair = .relaxedRelaxed, lifetime: Int? = nil) {
        self.keys = keys
        self.overSignedHeaders = overSignedHeaders
        self.signedHeaders = signedHeaders
        self.canonicalization = canonicalization
        self.lifetime = lifetime
    }

    /// The message with one DKIM-Signature field per key put on top (CRLF line ends throughout).
    public func sign(_ message: [UInt8], now: Date) throws(DKIMSigningError) -> [UInt8] {
        let parsed = DKIMMessage(message)
        var out: [UInt8] = []
        for field in try signatureFields(for: parsed, now: now) { out += field }
        return out + parsed.bytes
    }

    /// The DKIM-Signature fields (folded, each ending in CRLF) to prepend to `message`.
    public func signatureFields(for message: DKIMMessage, now: Date) throws(DKIMSigningError) -> [[UInt8]] {
        guard message.headers.contains(where: { $0.hasName("From") }) else { throw .noFrom }
        let names = headerNames(for: message)
        let selected = message.selectHeaders(names)
        let bodyHash = DKIMHashing.bodyHash(message.body, canonicalization: canonicalization.body).hash
        let timestamp = Int(now.timeIntervalSince1970)
        return try keys.map { key throws(DKIMSigningError) in
            var tags: [(String, String)] = [
                ("v", "1"), ("a", key.privateKey.algorithm.rawValue), ("c", canonicalization.description),
                ("d", key.domain), ("s", key.selector), ("t", String(timestamp)),
            ]
            if let lifetime { tags.append(("x", String(timestamp + lifetime))) }
            tags.append(("h", names.map { $0.lowercased() }.joined(separator: ":")))
            tags.append(("bh", Data(bodyHash).base64EncodedString()))
            let unsigned = Self.fold(tags, signature: "")
            let digest = DKIMHashing.headerHash(selected, signatureField: unsigned[...],
                                                canonicalization: canonicalization.header)
            let signature: [UInt8]
            do { signature = try key.privateKey.sign(digest: digest) } catch { throw .crypto("\(error)") }
            return Self.fold(tags, signature: Data(signature).base64EncodedString())
        }
    }

    /// h=: the over-signed names present n times appear n+1 times; the others as often as present.
    func headerNames(for message: DKIMMessage) -> [String] {
        var names: [String] = []
        for name in overSignedHeaders {
            let count = message.headers.filter { $0.hasName(name) }.count
            if count > 0 { names += Array(repeating: name, count: count + 1) }
        }
        for name in signedHeaders {
            let count = message.headers.filter { $0.hasName(name) }.count
            names += Array(repeating: name, count: count)
        }
        return names
    }

    /// Lays the tags out in lines of at most 78 characters (RFC 5322 §2.1.1), folding h= at its
    /// colons and b= every 72 characters. b= comes last so removing its value (§3.7) leaves
    /// exactly the field that was hashed.
    static func fold(_ tags: [(String, String)], signature: String) -> [UInt8] {
        let limit = 78
        var text = "DKIM-Signature:"
        var lineLength = text.count
        // Folding only ever happens where FWS is allowed: between tags, after a colon in h=,
        // and inside base64 (§3.2, §3.5).
        func put(_ piece: Substring, space: Bool) {
            if lineLength + (space ? 1 : 0) + piece.count > limit {
                text += "\r\n\t"
                lineLength = 1
            } else if space {
                text += " "
                lineLength += 1
            }
            text += piece
            lineLength += piece.count
        }
        for (name, value) in tags {
            if name == "h" {
                let parts = value.split(separator: ":")
                for (index, part) in parts.enumerated() {
                    let token = (index == 0 ? "h=" : "") + part + (index == parts.count - 1 ? ";" : ":")
                    put(Substring(token), space: index == 0)
                }
            } else {
                put(Substring("\(name)=\(value);"), space: true)
            }
        }
        put("b=", space: true)
        var remaining = Substring(signature)
        while !remaining.isEmpty {
            let room = limit - lineLength
            let chunk = remaining.prefix(room >= 8 ? room : 72)
            put(chunk, space: false)
            remaining = remaining.dropFirst(chunk.count)
        }
        text += "\r\n"
        return Array(text.utf8)
    }
}

public enum DKIMSigningError: Error, Sendable, Hashable, CustomStringConvertible {
    case noFrom
    case crypto(String)

    public var description: String {
        switch self {
        case .noFrom: "the message has no From field to sign (RFC 6376 §5.4)"
        case .crypto(let detail): "signing failed: \(detail)"
        }
    }
}
