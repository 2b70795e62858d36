import Foundation

/// What the dashboard shows for one domain, computed from report records (pure, no I/O).
struct DashboardSummary: Sendable, Equatable {
    /// RFC 9989 §4.7/§5.3.7: a message passes DMARC when an aligned DKIM or SPF result passes;
    /// the disposition is what the receiver did. Each message is counted once, in this order:
    /// rejected, quarantined (by disposition), else pass or fail (by the aligned results).
    enum Outcome: String, CaseIterable, Sendable {
        case pass, fail, quarantined, rejected

        init(_ record: DashboardRecord) {
            switch record.disposition.lowercased() {
            case "reject": self = .rejected
            case "quarantine": self = .quarantined
            default: self = DashboardSummary.passes(record) ? .pass : .fail
            }
        }
    }

    struct Day: Sendable, Equatable {
        var start: Date
        var counts: [Outcome: Int]
        var total: Int { counts.values.reduce(0, +) }
    }

    /// One sending source: an IP with one combination of results.
    struct Source: Sendable, Equatable {
        var ip: String
        var count: Int
        var dkim: String
        var spf: String
        var disposition: String
    }

    enum SortColumn: String, CaseIterable, Sendable {
        case ip, count, dkim, spf, disposition
    }

    var domain: String
    var days: [Day]
    var sources: [Source]
    /// Sources whose mail fails DMARC (neither aligned DKIM nor SPF passes): under p=reject
    /// receivers would refuse it (RFC 9989 §5.3.1).
    var wouldFailReject: [Source]
    var messages: Int

    static func passes(_ record: DashboardRecord) -> Bool {
        record.dkim.lowercased() == "pass" || record.spf.lowercased() == "pass"
    }

    static func dayStart(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 86400).rounded(.down) * 86400)
    }

    /// The records of `domain` in the `dayCount` UTC days up to and including `now`'s.
    init(domain: String, records: [DashboardRecord], now: Date, dayCount: Int) {
        self.domain = domain
        let today = Self.dayStart(now)
        let first = today.addingTimeInterval(-Double(max(dayCount, 1) - 1) * 86400)
        var days = (0..<max(dayCount, 1)).map { Day(start: first.addingTimeInterval(Double($0) * 86400), counts: [:]) }
        var grouped: [String: Source] = [:]
        var failing: [String: Source] = [:]
        var messages = 0
        for record in records where record.domain == domain && record.count > 0 {
            let day = Self.dayStart(record.periodBegin)
            guard day >= first, day <= today else { continue }
            let index = Int((day.timeIntervalSince1970 - first.timeIntervalSince1970) / 86400)
            days[index].counts[Outcome(record), default: 0] += record.count
            messages += record.count
            let source = Source(ip: record.sourceIP, count: record.count, dkim: record.dkim.lowercased(), spf: record.spf.lowercased(),
                                disposition: record.disposition.lowercased())
            grouped["\(source.ip)\u{0}\(source.dkim)\u{0}\(source.spf)\u{0}\(source.disposition)", default: { var s = source; s.count = 0; return s }()].count += record.count
            if !Self.passes(record) {
                failing[source.ip, default: Source(ip: source.ip, count: 0, dkim: source.dkim, spf: source.spf, disposition: source.disposition)].count += record.count
            }
        }
        self.days = days
        self.messages = messages
        self.sources = Self.sorted(Array(grouped.values), by: .count, descending: true)
        self.wouldFailReject = Self.sorted(Array(failing.values), by: .count, descending: true)
    }

    /// Sorted by a column, ties broken by IP then count, so the order is stable between requests.
    static func sorted(_ sources: [Source], by column: SortColumn, descending: Bool) -> [Source] {
        sources.sorted { a, b in
            let order: ComparisonResult
            switch column {
            case .ip: order = compare(ipKey(a.ip), ipKey(b.ip))
            case .count: order = compare(a.count, b.count)
            case .dkim: order = compare(a.dkim, b.dkim)
            case .spf: order = compare(a.spf, b.spf)
            case .disposition: order = compare(a.disposition, b.disposition)
            }
            if order != .orderedSame { return descending ? order == .orderedDescending : order == .orderedAscending }
            let byIP = compare(ipKey(a.ip), ipKey(b.ip))
            if byIP != .orderedSame { return byIP == .orderedAscending }
            return a.count > b.count
        }
    }

    static func compare<T: Comparable>(_ a: T, _ b: T) -> ComparisonResult {
        a < b ? .orderedAscending : (a > b ? .orderedDescending : .orderedSame)
    }

    /// IPv4 addresses sort by value (each octet zero-padded), before IPv6 and anything else.
    static func ipKey(_ ip: String) -> String {
        let octets = ip.split(separator: ".", omittingEmptySubsequences: false)
        if octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) {
            return "4" + octets.map { String(repeating: "0", count: 3 - $0.count) + $0 }.joined(separator: ".")
        }
        return "6" + ip.lowercased()
    }
}
