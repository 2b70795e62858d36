// The resolver interface every DNS consumer (SPF, DKIM, DMARC, MX routing, DANE) takes.
// Mail authentication never opens a socket: it gets one of these.

/// DNSSEC status of an answer, as far as the resolver can tell (RFC 4033 §5 terms).
/// With the stub client, `secure` is only ever reported when a server configured as validating
/// set the AD bit (RFC 6840 §5.7–5.8); anything else is `insecure`. With the in-process
/// validator (DNSClient's ValidatingResolver, libunbound) every status is its own verdict.
public enum DNSSecurityStatus: String, Sendable, Hashable {
    case secure
    case insecure
    /// Validation failed (RFC 4035 §5.5; from a validating server: RFC 8914 EDE codes 6–12 on
    /// SERVFAIL). Such an answer is never returned, only a `serverFailure` carrying this status.
    case bogus
    /// No verdict: no usable answer came to validate (RFC 4033 §5 "indeterminate").
    case indeterminate
}

/// A successful lookup: the RRset of the asked type at the end of any CNAME chain.
public struct DNSAnswer: Sendable, Hashable {
    public var question: DNSQuestion
    /// The name the records were found at, after following CNAMEs (RFC 1034 §3.6.2).
    public var canonicalName: DNSName
    /// The CNAME records followed, in order.
    public var cnameChain: [DNSResourceRecord]
    /// Records of the asked type (never empty: an empty RRset is `DNSError.Kind.noData`).
    public var records: [DNSResourceRecord]
    public var security: DNSSecurityStatus

    public init(question: DNSQuestion, canonicalName: DNSName, cnameChain: [DNSResourceRecord] = [],
                records: [DNSResourceRecord], security: DNSSecurityStatus = .insecure) {
        self.question = question
        self.canonicalName = canonicalName
        self.cnameChain = cnameChain
        self.records = records
        self.security = security
    }

    /// Smallest TTL over the chain and the RRset.
    public var ttl: UInt32 { (cnameChain + records).map(\.ttl).min() ?? 0 }
}

/// Why a lookup produced no records.
public struct DNSError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// RCODE 3: the name does not exist (RFC 2308 §2.1).
        case nxdomain
        /// NOERROR with no records of the type (RFC 2308 §2.2).
        case noData
        /// SERVFAIL, REFUSED, NOTIMP, FORMERR or another RCODE: a temporary failure.
        case serverFailure
        /// No server answered in time.
        case timeout
        /// A CNAME chain longer than the limit, or a loop.
        case cnameLimit
        /// Every answer received was malformed or did not match the question.
        case malformedResponse
        /// The name could not be queried (too long, or no servers configured).
        case badQuery
    }

    public var kind: Kind
    public var name: DNSName?
    public var responseCode: DNSResponseCode?
    public var security: DNSSecurityStatus
    public var detail: String

    public init(_ kind: Kind, name: DNSName? = nil, responseCode: DNSResponseCode? = nil,
                security: DNSSecurityStatus = .insecure, detail: String = "") {
        self.kind = kind
        self.name = name
        self.responseCode = responseCode
        self.security = security
        self.detail = detail
    }

    /// NXDOMAIN or NODATA: the DNS answered, there is just nothing there.
    public var isNotFound: Bool { kind == .nxdomain || kind == .noData }

    /// Anything that might succeed on retry (RFC 7208 §2.6.6 "temperror" territory).
    public var isTemporary: Bool { !isNotFound }

    public var description: String {
        var out = kind.rawValue
        if let name { out += " for \(name)" }
        if let responseCode { out += " (\(responseCode))" }
        if security != .insecure { out += " [\(security.rawValue)]" }
        if !detail.isEmpty { out += ": \(detail)" }
        return out
    }
}

public protocol DNSResolving: Sendable {
    /// Looks up the RRset of `type` at `name`, following CNAMEs.
    func lookup(_ name: DNSName, _ type: DNSRecordType) async throws(DNSError) -> DNSAnswer
    /// Whether `lookup(name, type)` would be answered from a cache now (an answer or a negative
    /// answer), without asking: speculative lookups that only warm the cache are skipped then.
    func hasCachedAnswer(_ name: DNSName, _ type: DNSRecordType) -> Bool
}

extension DNSResolving {
    /// A resolver without a cache of its own (or one it does not show) never has one.
    public func hasCachedAnswer(_ name: DNSName, _ type: DNSRecordType) -> Bool { false }

    /// `hasCachedAnswer` for a name in presentation form; false for one that does not parse.
    public func hasCachedAnswer(_ name: String, _ type: DNSRecordType) -> Bool {
        guard let parsed = try? DNSName(name) else { return false }
        return hasCachedAnswer(parsed, type)
    }

    /// Parses `name` as presentation form first; an unparseable name is `badQuery`.
    public func lookup(_ name: String, _ type: DNSRecordType) async throws(DNSError) -> DNSAnswer {
        let parsed: DNSName
        do { parsed = try DNSName(name) } catch { throw DNSError(.badQuery, detail: "invalid name \(name)") }
        return try await lookup(parsed, type)
    }

    /// TXT records, each with its strings joined (RFC 7208 §3.3).
    public func lookupTXT(_ name: DNSName) async throws(DNSError) -> [String] {
        try await lookup(name, .txt).records.compactMap(\.data.joinedText)
    }

    public func lookupIPv4(_ name: DNSName) async throws(DNSError) -> [IPv4Address] {
        try await lookup(name, .a).records.compactMap { if case .a(let a) = $0.data { a } else { nil } }
    }

    public func lookupIPv6(_ name: DNSName) async throws(DNSError) -> [IPv6Address] {
        try await lookup(name, .aaaa).records.compactMap { if case .aaaa(let a) = $0.data { a } else { nil } }
    }

    /// MX records sorted by preference (RFC 5321 §5.1).
    public func lookupMX(_ name: DNSName) async throws(DNSError) -> [(preference: UInt16, exchange: DNSName)] {
        try await lookup(name, .mx).records.compactMap { record -> (preference: UInt16, exchange: DNSName)? in
            if case .mx(let preference, let exchange) = record.data { (preference, exchange) } else { nil }
        }.sorted { $0.preference < $1.preference }
    }

    public func lookupPTR(_ address: IPAddress) async throws(DNSError) -> [DNSName] {
        try await lookup(address.reverseName, .ptr).records.compactMap {
            if case .ptr(let name) = $0.data { name } else { nil }
        }
    }
}
