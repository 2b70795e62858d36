/// One TLSA record's data (RFC 6698 §2.1), as the client matches it against a peer's certificates.
/// SMTPClient knows no DNS types: the queue converts the records it looked up.
public struct TLSAssociation: Sendable, Hashable, CustomStringConvertible {
    /// RFC 7218 §2.1 mnemonics. RFC 7672 §3.1.3: SMTP uses only DANE-TA(2) and DANE-EE(3);
    /// PKIX-TA(0) and PKIX-EE(1) are unusable there.
    public enum Usage: UInt8, Sendable { case pkixTA = 0, pkixEE = 1, daneTA = 2, daneEE = 3 }
    /// RFC 6698 §2.1.2: the whole certificate (Cert, 0) or its SubjectPublicKeyInfo (SPKI, 1).
    public enum Selector: UInt8, Sendable { case certificate = 0, subjectPublicKeyInfo = 1 }
    /// RFC 6698 §2.1.3: the selected bytes themselves (Full, 0), SHA2-256 (1) or SHA2-512 (2).
    public enum MatchingType: UInt8, Sendable { case full = 0, sha256 = 1, sha512 = 2 }

    public var usage: UInt8
    public var selector: UInt8
    public var matchingType: UInt8
    public var data: [UInt8]

    public init(usage: UInt8, selector: UInt8, matchingType: UInt8, data: [UInt8]) {
        self.usage = usage
        self.selector = selector
        self.matchingType = matchingType
        self.data = data
    }

    /// RFC 7672 §3.1.3 and RFC 7671 §4: a record is usable when its usage is DANE-TA or DANE-EE and
    /// its selector and matching type are known; a digest must also have the digest's length.
    public var isUsableForSMTP: Bool {
        guard let usage = Usage(rawValue: usage), usage == .daneTA || usage == .daneEE,
              Selector(rawValue: selector) != nil, let matching = MatchingType(rawValue: matchingType), !data.isEmpty
        else { return false }
        switch matching {
        case .full: return true
        case .sha256: return data.count == 32
        case .sha512: return data.count == 64
        }
    }

    /// `3 1 1 8a4f…`: the presentation form (RFC 6698 §2.2).
    public var description: String {
        "\(usage) \(selector) \(matchingType) " + data.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}

/// What a DANE-authenticated connection checks (RFC 7672 §3): the usable TLSA records of the MX
/// host and the names the certificate may carry for DANE-TA(2) (§3.2.2: the TLSA base domain,
/// i.e. the MX host name after CNAMEs, and the MX host name itself). With no usable record the
/// connection is still encrypted but unauthenticated (RFC 7672 §2.2: a secure TLSA RRset whose
/// records are all unusable still says the server does TLS).
public struct DANEAuthentication: Sendable, Hashable {
    public var records: [TLSAssociation]
    public var referenceNames: [String]

    public init(records: [TLSAssociation], referenceNames: [String]) {
        self.records = records.filter(\.isUsableForSMTP)
        self.referenceNames = referenceNames.map { $0.hasSuffix(".") ? String($0.dropLast()).lowercased() : $0.lowercased() }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
