// A resolver that is plain data (after mox dns/mock.go): records in a zone, plus per-query
// failures (SERVFAIL, timeouts, DNSSEC bogus) and which answers count as secure. Tests of
// DNS consumers build one of these; no sockets, no clocks.

public struct StaticResolver: DNSResolving {
    public struct Query: Sendable, Hashable {
        public var name: DNSName
        public var type: DNSRecordType
        public init(_ name: DNSName, _ type: DNSRecordType) {
            self.name = name.lowercased
            self.type = type
        }
        public init(_ name: String, _ type: DNSRecordType) throws(DNSNameError) {
            self.init(try DNSName(name), type)
        }
    }

    public enum Failure: Sendable, Hashable {
        /// The server answered with this RCODE (SERVFAIL, REFUSED, ...).
        case responseCode(DNSResponseCode)
        /// No answer in time.
        case timeout
        /// A validating resolver rejected the data.
        case bogus
    }

    public var zone: DNSZone
    /// Failures by query; checked for the asked name and for every CNAME target on the way.
    public var failures: [Query: Failure]
    /// Queries whose answers are reported `secure`.
    public var secure: Set<Query>
    /// Report every answer as `secure` (overrides `secure`).
    public var allSecure: Bool
    /// CNAMEs followed before `cnameLimit`.
    public var maxCNAMEChain: Int

    public init(zone: DNSZone = DNSZone(), failures: [Query: Failure] = [:], secure: Set<Query> = [],
                allSecure: Bool = false, maxCNAMEChain: Int = 8) {
        self.zone = zone
        self.failures = failures
        self.secure = secure
        self.allSecure = allSecure
        self.maxCNAMEChain = maxCNAMEChain
    }

    /// A resolver over a zone in the text format of `DNSZone(parsing:)`.
    public init(zoneText: String, origin: DNSName = .root) throws(DNSZoneTextError) {
        self.init(zone: try DNSZone(parsing: zoneText, origin: origin))
    }

    public func lookup(_ name: DNSName, _ type: DNSRecordType) async throws(DNSError) -> DNSAnswer {
        try answer(name, type)
    }

    /// The synchronous core of `lookup`.
    public func answer(_ name: DNSName, _ type: DNSRecordType) throws(DNSError) -> DNSAnswer {
        let query = Query(name, type)
        let security: DNSSecurityStatus = allSecure || secure.contains(query) ? .secure : .insecure
        try checkFailure(Query(name, type), security: security)
        let result = zone.answer(name, type)
        let cnames: [DNSResourceRecord]
        switch result {
        case .records(let c, _), .noData(let c), .nxdomain(let c): cnames = c
        }
        for cname in cnames {
            if case .cname(let target) = cname.data { try checkFailure(Query(target, type), security: security) }
        }
        guard cnames.count <= maxCNAMEChain, cnames.count < DNSZone.maxCNAMEsPerAnswer else {
            throw DNSError(.cnameLimit, name: name, detail: "more than \(maxCNAMEChain) CNAMEs")
        }
        let finalName: DNSName = {
            if let last = cnames.last, case .cname(let target) = last.data { return target }
            return name
        }()
        switch result {
        case .records(_, let records):
            return DNSAnswer(question: DNSQuestion(name: name, type: type), canonicalName: finalName,
                             cnameChain: cnames, records: records, security: security)
        case .noData:
            throw DNSError(.noData, name: finalName, responseCode: .noError, security: security)
        case .nxdomain:
            throw DNSError(.nxdomain, name: finalName, responseCode: .nameError, security: security)
        }
    }

    private func checkFailure(_ query: Query, security: DNSSecurityStatus) throws(DNSError) {
        guard let failure = failures[query] else { return }
        switch failure {
        case .responseCode(let code):
            throw DNSError(.serverFailure, name: query.name, responseCode: code, security: security)
        case .timeout:
            throw DNSError(.timeout, name: query.name)
        case .bogus:
            throw DNSError(.serverFailure, name: query.name, responseCode: .serverFailure, security: .bogus,
                           detail: "DNSSEC validation failed")
        }
    }
}
