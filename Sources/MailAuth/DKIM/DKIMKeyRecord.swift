// The key record at selector._domainkey.domain (RFC 6376 §3.6.1, RFC 8463 §4.2).

import Foundation

public enum DKIMKeyType: String, Sendable, Hashable, CaseIterable {
    case rsa, ed25519
}

public struct DKIMKeyRecord: Sendable, Hashable {
    public var keyType: DKIMKeyType
    /// p=, decoded; empty means the key was revoked (§3.6.1).
    public var publicKey: [UInt8]
    /// h=: acceptable hash algorithms, nil when any is allowed.
    public var hashAlgorithms: [String]?
    /// s=: service types ("*" or "email" must be present to use the key for mail).
    public var serviceTypes: [String]
    /// t=y: the domain is testing DKIM (§3.6.1).
    public var testing: Bool
    /// t=s: i= must use exactly d=, not a subdomain (§3.6.1).
    public var strictIdentity: Bool
    public var tags: DKIMTagList

    public var isRevoked: Bool { publicKey.isEmpty }

    /// Parses the TXT record text (its strings already joined). Errors are permerrors (§6.1.2).
    public init(_ text: String) throws(DKIMKeyRecordError) {
        let tags: DKIMTagList
        do { tags = try DKIMTagList(parsing: text) } catch { throw .syntax(error.description) }
        self.tags = tags
        // §3.6.1 v=: if present, it must be the first tag and be "DKIM1".
        if let version = tags["v"] {
            guard tags.names.first == "v", version == "DKIM1" else { throw .badVersion(version) }
        }
        let k = tags["k"] ?? "rsa"
        guard let keyType = DKIMKeyType(rawValue: k.lowercased()) else { throw .unknownKeyType(k) }
        self.keyType = keyType
        guard let p = tags["p"] else { throw .missingPublicKey }
        let compact = DKIMTagList.removingWhitespace(p)
        if compact.isEmpty {
            publicKey = []
        } else {
            guard let decoded = Data(base64Encoded: compact) else { throw .badPublicKey("p= is not valid base64") }
            publicKey = Array(decoded)
        }
        hashAlgorithms = tags["h"].map { Self.list($0) }
        serviceTypes = tags["s"].map { Self.list($0) } ?? ["*"]
        let flags = tags["t"].map { Self.list($0) } ?? []
        testing = flags.contains("y")
        strictIdentity = flags.contains("s")
    }

    /// Colon-separated values, FWS trimmed, lower-cased (§3.6.1 h=, s=, t=).
    private static func list(_ value: String) -> [String] {
        value.split(separator: ":").map { $0.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }
    }

    /// The record to publish for a public key, one string (split into 255-byte chunks by the caller).
    public static func text(keyType: DKIMKeyType, publicKey: [UInt8]) -> String {
        "v=DKIM1; k=\(keyType.rawValue); p=\(Data(publicKey).base64EncodedString())"
    }
}

public enum DKIMKeyRecordError: Error, Sendable, Hashable, CustomStringConvertible {
    case syntax(String)
    case badVersion(String)
    case unknownKeyType(String)
    case missingPublicKey
    case badPublicKey(String)

    public var description: String {
        switch self {
        case .syntax(let detail): "key record syntax error: \(detail)"
        case .badVersion(let v): "key record has v=\(v); it must be the first tag and DKIM1 (RFC 6376 §3.6.1)"
        case .unknownKeyType(let k): "key record has unknown key type k=\(k)"
        case .missingPublicKey: "key record has no p= tag (RFC 6376 §3.6.1)"
        case .badPublicKey(let detail): "key record public key unusable: \(detail)"
        }
    }
}

extension DKIMKeyRecord {
    private static let memo = ParseMemo<String, Result<DKIMKeyRecord, DKIMKeyRecordError>>(capacity: 512)

    /// `init(_:)`, remembered by the record text (ParseMemo.swift): the same key record comes
    /// from the resolver's cache for every message its selector signs.
    public static func parsed(_ text: String) throws(DKIMKeyRecordError) -> DKIMKeyRecord {
        try memo.value(text) {
            do throws(DKIMKeyRecordError) { return .success(try DKIMKeyRecord($0)) } catch { return .failure(error) }
        }.get()
    }
}
