// What a NOERROR or NXDOMAIN response says about one question (RFC 1034 §3.6.2 and §5.3.3,
// RFC 2308 §2): records at the end of a CNAME chain, a chain that leaves the response and must
// be chased with another query, or a negative answer. Pure: no I/O, tested alone.

import DNSMessage

enum DNSResponseOutcome: Equatable {
    /// The RRset of the asked type, after `cnames`.
    case records(cnames: [DNSResourceRecord], records: [DNSResourceRecord])
    /// The chain ends at `target`, about which the response says nothing: ask again for it.
    case chase(cnames: [DNSResourceRecord], target: DNSName)
    /// NXDOMAIN or NODATA for the last name in the chain, with the RFC 2308 negative TTL.
    case negative(cnames: [DNSResourceRecord], kind: DNSError.Kind, name: DNSName, ttl: UInt32?)
    /// The chain loops or is too long.
    case cnameLimit(name: DNSName)
}

enum DNSResponseInterpreter {
    static func interpret(_ response: DNSMessage, name: DNSName, type: DNSRecordType, maxChain: Int)
        -> DNSResponseOutcome
    {
        var cnames: [DNSResourceRecord] = []
        var visited: Set<DNSName> = [name.lowercased]
        var current = name
        while true {
            let here = response.answers.filter { $0.name == current }
            let matching = here.filter { $0.type == type && $0.recordClass == .internet }
            if !matching.isEmpty { return .records(cnames: cnames, records: matching) }
            guard type != .cname, let cname = here.first(where: { $0.type == .cname }),
                  case .cname(let target) = cname.data
            else { break }
            cnames.append(cname)
            guard cnames.count <= maxChain, visited.insert(target.lowercased).inserted else {
                return .cnameLimit(name: target)
            }
            current = target
        }
        let ttl = DNSCache.negativeTTL(response)
        // RFC 6604 §3: the RCODE describes the last name in the chain.
        if response.responseCode == .nameError {
            return .negative(cnames: cnames, kind: .nxdomain, name: current, ttl: ttl)
        }
        // A chain whose target the response does not cover (no SOA saying "nothing here") has
        // to be chased, as RFC 1034 §5.3.3 step 3 has a resolver do.
        if !cnames.isEmpty && ttl == nil {
            return .chase(cnames: cnames, target: current)
        }
        return .negative(cnames: cnames, kind: .noData, name: current, ttl: ttl)
    }
}
