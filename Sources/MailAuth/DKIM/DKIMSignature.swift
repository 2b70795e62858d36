// A parsed DKIM-Signature field (RFC 6376 §3.5) with the checks of §6.1.1.

import Foundation

/// a= values. rsa-sha1 is parsed so it can be refused by name (RFC 8301 §3.1).
public enum DKIMAlgorithm: String, Sendable, Hashable, CaseIterable {
    case rsaSHA256 = "rsa-sha256"
    case ed25519SHA256 = "ed25519-sha256"
    case rsaSHA1 = "rsa-sha1"

    /// The k= key type this algorithm needs.
    public var keyType: DKIMKeyType {
        switch self {
        case .rsaSHA256, .rsaSHA1: .rsa
        case .ed25519SHA256: .ed25519
        }
    }

    /// The h= hash name in key records (§3.6.1).
    public var hashName: String { self == .rsaSHA1 ? "sha1" : "sha256" }
}

public struct DKIMSignature: Sendable, Hashable {
    public var algorithm: DKIMAlgorithm
    /// b=, decoded.
    public var signature: [UInt8]
    /// b= as written with whitespace removed (Authentication-Results header.b takes a prefix).
    public var signatureBase64: String
    /// bh=, decoded.
    public var bodyHash: [UInt8]
    public var canonicalization: DKIMCanonicalizationPair
    /// d=, lower-cased.
    public var domain: String
    /// h=: the signed header field names in order, as written.
    public var signedHeaders: [String]
    /// i= (default "@" + d).
    public var identity: String
    /// l=: the number of canonical body bytes signed, nil when the whole body is.
    public var bodyLength: Int?
    /// s=, as written.
    public var selector: String
    /// t= (seconds since the epoch).
    public var timestamp: Int?
    /// x= (seconds since the epoch).
    public var expiration: Int?
    public var tags: DKIMTagList

    /// Parses and checks a DKIM-Signature value. Errors are permerrors (§6.1.1 PERMFAIL).
    public init(value: some Collection<UInt8>) throws(DKIMSignatureError) {
        let tags: DKIMTagList
        do { tags = try DKIMTagList(parsing: value) } catch { throw .syntax(error.description) }
        self.tags = tags
        // §6.1.1: v= must be 1 (the tag is required).
        guard let version = tags["v"] else { throw .missingTag("v") }
        guard version == "1" else { throw .incompatibleVersion(version) }
        for required in ["a", "b", "bh", "d", "h", "s"] where tags[required] == nil { throw .missingTag(required) }
        guard let algorithm = DKIMAlgorithm(rawValue: tags["a"]!.lowercased()) else {
            throw .unsupportedAlgorithm(tags["a"]!)
        }
        self.algorithm = algorithm
        signatureBase64 = DKIMTagList.removingWhitespace(tags["b"]!)
        guard let signature = Data(base64Encoded: signatureBase64), !signature.isEmpty else { throw .badBase64("b") }
        self.signature = Array(signature)
        guard let bodyHash = Data(base64Encoded: DKIMTagList.removingWhitespace(tags["bh"]!)) else {
            throw .badBase64("bh")
        }
        self.bodyHash = Array(bodyHash)
        if let c = tags["c"] {
            guard let pair = DKIMCanonicalizationPair(tag: c) else { throw .unsupportedCanonicalization(c) }
            canonicalization = pair
        } else {
            canonicalization = DKIMCanonicalizationPair(header: .simple, body: .simple)
        }
        domain = tags["d"]!.lowercased()
        guard Self.isDomainName(domain) else { throw .invalidTag("d", tags["d"]!) }
        selector = tags["s"]!
        guard Self.isDomainName(selector) else { throw .invalidTag("s", selector) }
        // h= : hdr-name *( [FWS] ":" [FWS] hdr-name ); §6.1.1: it must include From.
        signedHeaders = tags["h"]!.split(separator: ":", omittingEmptySubsequences: false).map {
            String(DKIMTagList.trimFWS(ArraySlice($0.utf8)).map { Character(UnicodeScalar($0)) })
        }
        guard !signedHeaders.contains(where: \.isEmpty) else { throw .invalidTag("h", tags["h"]!) }
        guard signedHeaders.contains(where: { $0.lowercased() == "from" }) else { throw .fromNotSigned }
        // §3.5 i=: the domain part must be d= or a subdomain of it.
        identity = tags["i"] ?? "@\(domain)"
        if tags["i"] != nil {
            guard let at = identity.lastIndex(of: "@") else { throw .invalidTag("i", identity) }
            let identityDomain = identity[identity.index(after: at)...].lowercased()
            guard identityDomain == domain || identityDomain.hasSuffix(".\(domain)") else { throw .identityNotInDomain }
        }
        // §3.5 q=: only dns/txt is defined.
        if let q = tags["q"] {
            let methods = q.split(separator: ":").map { $0.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }
            guard methods.contains(where: { $0 == "dns/txt" || $0 == "dns" }) else { throw .unsupportedQueryMethod(q) }
        }
        bodyLength = try Self.number(tags, "l", digits: 76)
        timestamp = try Self.number(tags, "t", digits: 12)
        expiration = try Self.number(tags, "x", digits: 12)
        // §3.5 x=: must be greater than t= when both are present.
        if let timestamp, let expiration, expiration < timestamp { throw .invalidTag("x", "\(expiration) is before t=\(timestamp)") }
    }

    /// The header names in h= that the message carries more often than h= lists them: a copy
    /// added after signing would not break the signature (RFC 6376 §8.15, over-signing).
    public func underSignedHeaders(in message: DKIMMessage) -> [String] {
        var signedCount: [String: Int] = [:]
        for name in signedHeaders { signedCount[name.lowercased(), default: 0] += 1 }
        var presentCount: [String: Int] = [:]
        for header in message.headers { presentCount[header.name.lowercased(), default: 0] += 1 }
        return signedCount.keys.sorted().filter { presentCount[$0, default: 0] > signedCount[$0]! }
    }

    /// 1*76DIGIT (l=) or 1*12DIGIT (t=, x=), §3.5. Values too big for Int count as invalid.
    private static func number(_ tags: DKIMTagList, _ name: String, digits: Int) throws(DKIMSignatureError) -> Int? {
        guard let text = tags[name] else { return nil }
        guard !text.isEmpty, text.count <= digits, text.utf8.allSatisfy(DKIMTagList.isDigit), let value = Int(text) else {
            throw .invalidTag(name, text)
        }
        return value
    }

    /// A dot-separated name of LDH-and-underscore labels (selectors may contain dots, §3.1).
    static func isDomainName(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.utf8.allSatisfy {
                DKIMTagList.isAlpha($0) || DKIMTagList.isDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
            }
        }
    }
}

public enum DKIMSignatureError: Error, Sendable, Hashable, CustomStringConvertible {
    case syntax(String)
    case missingTag(String)
    case incompatibleVersion(String)
    case unsupportedAlgorithm(String)
    case unsupportedCanonicalization(String)
    case unsupportedQueryMethod(String)
    case badBase64(String)
    case invalidTag(String, String)
    case fromNotSigned
    case identityNotInDomain

    public var description: String {
        switch self {
        case .syntax(let detail): "signature syntax error: \(detail)"
        case .missingTag(let tag): "signature missing required tag \(tag)= (RFC 6376 §6.1.1)"
        case .incompatibleVersion(let v): "incompatible version v=\(v) (RFC 6376 §6.1.1)"
        case .unsupportedAlgorithm(let a): "unsupported algorithm a=\(a)"
        case .unsupportedCanonicalization(let c): "unsupported canonicalization c=\(c)"
        case .unsupportedQueryMethod(let q): "unsupported query method q=\(q)"
        case .badBase64(let tag): "\(tag)= is not valid base64"
        case .invalidTag(let tag, let value): "invalid \(tag)=\(value.prefix(60))"
        case .fromNotSigned: "From field not signed (RFC 6376 §6.1.1)"
        case .identityNotInDomain: "domain mismatch: i= is not d= or a subdomain of it (RFC 6376 §6.1.1)"
        }
    }
}

extension DKIMSignature {
    /// Keyed by the field value's bytes (copied: a slice would keep the whole message alive).
    private static let memo = ParseMemo<ByteKey, Result<DKIMSignature, DKIMSignatureError>>(capacity: 256)

    /// `init(value:)`, remembered by the value (ParseMemo.swift): the key prefetch at the end of
    /// the header and the verification at the end of DATA parse the same field.
    public static func parsed(value: some Collection<UInt8>) throws(DKIMSignatureError) -> DKIMSignature {
        try memo.value(ByteKey(bytes: Array(value))) {
            do throws(DKIMSignatureError) { return .success(try DKIMSignature(value: $0.bytes)) } catch { return .failure(error) }
        }.get()
    }
}
