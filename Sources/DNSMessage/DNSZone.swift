// An in-memory authoritative data set answering questions the way RFC 1034 §4.3.2 describes
// for a single zone: exact match, CNAME (§3.6.2) restarting the lookup, wildcards (§4.3.3) when
// a name does not exist, NXDOMAIN only when nothing exists at or below the name (RFC 8020).
// Both the static resolver and the test DNS server answer from this.

public enum DNSZoneAnswer: Sendable, Hashable {
    /// Records of the asked type, after the CNAMEs that led to them.
    case records(cnames: [DNSResourceRecord], records: [DNSResourceRecord])
    /// The final name exists but has no records of the type.
    case noData(cnames: [DNSResourceRecord])
    /// The final name does not exist.
    case nxdomain(cnames: [DNSResourceRecord])
}

public struct DNSZone: Sendable {
    public private(set) var records: [DNSResourceRecord] = []
    private var byOwner: [DNSName: [DNSResourceRecord]] = [:]
    /// Owners and all their ancestors: names that "exist" (RFC 8020 §2).
    private var existing: Set<DNSName> = []

    /// How many CNAMEs one answer follows before giving up (loops end here too).
    public static let maxCNAMEsPerAnswer = 16

    public init(records: [DNSResourceRecord] = []) {
        for record in records { add(record) }
    }

    public mutating func add(_ record: DNSResourceRecord) {
        records.append(record)
        let owner = record.name.lowercased
        byOwner[owner, default: []].append(record)
        var name = owner
        while !existing.contains(name) {
            existing.insert(name)
            if name.isRoot { break }
            name = name.parent
        }
    }

    public mutating func add(_ name: DNSName, ttl: UInt32 = 300, _ data: DNSRecordData) {
        add(DNSResourceRecord(name: name, ttl: ttl, data: data))
    }

    /// Removes every record at `name` (of `type`, or all types when nil).
    public mutating func remove(_ name: DNSName, type: DNSRecordType? = nil) {
        let kept = records.filter { !($0.name == name && (type == nil || $0.type == type)) }
        self = DNSZone(records: kept)
    }

    /// The SOA that covers `name`: the one at the closest enclosing owner, if any.
    public func soa(for name: DNSName) -> DNSResourceRecord? {
        var current = name.lowercased
        while true {
            if let soa = byOwner[current]?.first(where: { $0.type == .soa }) { return soa }
            if current.isRoot { return nil }
            current = current.parent
        }
    }

    /// Records at `name`, synthesised from a wildcard when the name does not exist
    /// (RFC 1034 §4.3.3); nil when the name does not exist and no wildcard covers it.
    func recordsAt(_ name: DNSName) -> [DNSResourceRecord]? {
        let key = name.lowercased
        if existing.contains(key) { return byOwner[key] ?? [] }
        // Closest encloser: the longest existing ancestor.
        var encloser = key.parent
        while !existing.contains(encloser) && !encloser.isRoot { encloser = encloser.parent }
        guard let wildcardName = try? encloser.prepending([UInt8(ascii: "*")]),
              let wildcard = byOwner[wildcardName]
        else { return nil }
        return wildcard.map { DNSResourceRecord(name: name, recordClass: $0.recordClass, ttl: $0.ttl, data: $0.data) }
    }

    public func answer(_ name: DNSName, _ type: DNSRecordType) -> DNSZoneAnswer {
        var cnames: [DNSResourceRecord] = []
        var current = name
        while true {
            guard let here = recordsAt(current) else { return .nxdomain(cnames: cnames) }
            let matching = here.filter { type == .any || $0.type == type }
            if !matching.isEmpty { return .records(cnames: cnames, records: matching) }
            guard let cname = here.first(where: { $0.type == .cname }), case .cname(let target) = cname.data else {
                return .noData(cnames: cnames)
            }
            cnames.append(cname)
            if cnames.count >= DNSZone.maxCNAMEsPerAnswer { return .noData(cnames: cnames) }
            current = target
        }
    }
}
