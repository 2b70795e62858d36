// A TTL cache of answers and negative answers.
//
// Positive answers live for the smallest TTL over the CNAME chain and the RRset (RFC 2181 §5.2
// gives one TTL per RRset; a chain is only as fresh as its shortest link), capped at
// DNSLimits.maxPositiveTTL. Negative answers (NXDOMAIN and NODATA) live for
// min(SOA TTL, SOA MINIMUM) from the authority section (RFC 2308 §5), capped at
// DNSLimits.maxNegativeTTL; without an SOA they are not cached (RFC 2308 §5). Failures
// (SERVFAIL, timeouts) are not cached. Size is bounded: when full, expired entries go first,
// then the oldest eighth.

import DNSMessage
import NIOCore

struct DNSCacheKey: Hashable, Sendable {
    var name: DNSName
    var type: DNSRecordType
    init(_ name: DNSName, _ type: DNSRecordType) {
        self.name = name.lowercased
        self.type = type
    }
}

struct DNSCache: Sendable {
    enum Value: Sendable {
        case answer(DNSAnswer)
        case negative(DNSError)
    }

    private struct Entry: Sendable {
        var value: Value
        var expires: NIODeadline
        var sequence: UInt64
    }

    let capacity: Int
    private var entries: [DNSCacheKey: Entry] = [:]
    private var sequence: UInt64 = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    var count: Int { entries.count }

    mutating func get(_ key: DNSCacheKey, now: NIODeadline) -> Value? {
        guard let entry = entries[key] else { return nil }
        guard entry.expires > now else {
            entries[key] = nil
            return nil
        }
        return entry.value
    }

    mutating func put(_ key: DNSCacheKey, _ value: Value, ttl: UInt32, now: NIODeadline) {
        guard ttl > 0 else { return }
        if entries[key] == nil && entries.count >= capacity { evict(now: now) }
        sequence += 1
        entries[key] = Entry(value: value, expires: now + .seconds(Int64(ttl)), sequence: sequence)
    }

    mutating func removeAll() { entries = [:] }

    private mutating func evict(now: NIODeadline) {
        entries = entries.filter { $0.value.expires > now }
        guard entries.count >= capacity else { return }
        let drop = max(1, capacity / 8)
        let oldest = entries.sorted { $0.value.sequence < $1.value.sequence }.prefix(drop).map(\.key)
        for key in oldest { entries[key] = nil }
    }

    /// RFC 2308 §5: the negative TTL is the smaller of the SOA's TTL and its MINIMUM field.
    static func negativeTTL(_ response: DNSMessage) -> UInt32? {
        for record in response.authorities {
            if case .soa(let soa) = record.data {
                return min(record.ttl, soa.minimum, DNSLimits.maxNegativeTTL)
            }
        }
        return nil
    }
}
