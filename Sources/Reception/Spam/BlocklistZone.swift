// DNS blocklists and allowlists (RFC 5782): the zones an operator configures, the names queried
// in them, and what their A-record answers mean. Pure: the lookups are in BlocklistChecker.

import DNSMessage
import Foundation

/// One configured list (`[[spam.dnsbl]]`, `[[spam.dnswl]]`, `[[spam.uribl]]`).
public struct BlocklistZone: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// An IP blocklist (DNSBL, RFC 5782 §2.1/§2.4): the client address is queried.
        case dnsbl
        /// An IP allowlist (DNSWL, RFC 5782 §1): same queries, a listing is good news.
        case dnswl
        /// A URI blocklist (URIBL/SURBL-style, RFC 5782 §2.3): link domains are queried.
        case uribl
    }

    public enum Action: String, Sendable {
        /// The listing only counts as a signal in `Hato-Risk`.
        case score
        /// The listing refuses the mail with 554 5.7.1 naming the zone (at connect or RCPT for
        /// DNSBL zones, per `spam.dnsbl_reject_at`; at the end of DATA for URIBL zones).
        case reject
    }

    /// What one return code means (`codes = "127.0.0.2=sbl:4, 127.0.0.4=xbl"`).
    public struct Code: Sendable, Equatable {
        public var meaning: String
        /// nil: the zone's weight.
        public var weight: Double?

        public init(meaning: String, weight: Double? = nil) {
            self.meaning = meaning
            self.weight = weight
        }
    }

    public var zone: DNSName
    public var kind: Kind
    /// How much a listing counts in the risk score (a DNSWL weight is subtracted).
    public var weight: Double
    public var action: Action
    /// Return codes that count, with their meaning; empty: any answer in 127.0.0.0/8 outside
    /// 127.255.255.0/24 counts as "listed".
    public var codes: [IPv4Address: Code]

    public init(zone: DNSName, kind: Kind, weight: Double, action: Action = .score, codes: [IPv4Address: Code] = [:]) {
        self.zone = zone
        self.kind = kind
        self.weight = weight
        self.action = action
        self.codes = codes
    }

    /// The zone name as written in logs, replies and metrics labels.
    public var name: String { zone.description.hasSuffix(".") ? String(zone.description.dropLast()) : zone.description }

    /// Parses `"127.0.0.2=sbl:4, 127.0.0.10=pbl"`: comma-separated `address=meaning[:weight]`.
    public static func parseCodes(_ text: String) -> [IPv4Address: Code]? {
        var codes: [IPv4Address: Code] = [:]
        for entry in text.split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let address = IPv4Address(parts[0]), address.bytes[0] == 127 else { return nil }
            let meaning = parts[1].split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let word = meaning.first, !word.isEmpty, word.count <= 64,
                  word.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
            var weight: Double?
            if meaning.count == 2 {
                guard let value = Double(meaning[1]), value >= 0, value <= 100 else { return nil }
                weight = value
            }
            codes[address] = Code(meaning: word, weight: weight)
        }
        return codes.isEmpty ? nil : codes
    }
}

/// The names queried in a zone (RFC 5782 §2.1, §2.3, §2.4).
public enum BlocklistQuery {
    /// RFC 5782 §2.1: an IPv4 address's octets reversed (`192.0.2.99` in `bl.example` is
    /// `99.2.0.192.bl.example`); §2.4: an IPv6 address as 32 nibbles, least significant
    /// first (`2001:db8::1` is `1.0.0.0....8.b.d.0.1.0.0.2.bl.example`). An IPv4-mapped IPv6
    /// address is queried as its IPv4 address.
    public static func name(for address: IPAddress, in zone: DNSName) -> DNSName? {
        var labels: [[UInt8]] = []
        switch address.unmappedIPv4 {
        case .v4(let v4):
            labels = v4.bytes.reversed().map { Array(String($0).utf8) }
        case .v6(let v6):
            for byte in v6.bytes.reversed() {
                labels.append([nibble(byte & 0x0F)])
                labels.append([nibble(byte >> 4)])
            }
        }
        return try? DNSName(labels: labels + zone.labels)
    }

    /// RFC 5782 §2.3: a domain is queried as itself under the zone (`example.com.uribl.example`).
    /// nil for a name that is not a plain host name or is too long with the zone (RFC 1035
    /// §2.3.4), and for IP literals (those are not domain queries).
    public static func name(forDomain domain: String, in zone: DNSName) -> DNSName? {
        let trimmed = domain.hasSuffix(".") ? String(domain.dropLast()) : domain
        guard !trimmed.isEmpty, IPAddress(trimmed) == nil, !trimmed.hasPrefix("["),
              // Host names only (letters, digits, hyphen, underscore, dots): nothing else is
              // queried, and what is logged about the query is plain text.
              trimmed.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E }),
              let parsed = try? DNSName(trimmed.lowercased()) else { return nil }
        return try? DNSName(labels: parsed.labels + zone.labels)
    }

    private static func nibble(_ value: UInt8) -> UInt8 { value < 10 ? 0x30 + value : 0x61 + value - 10 }
}

/// What a zone said about one query.
public enum BlocklistResult: Sendable, Equatable {
    /// Listed: the meanings of the codes that counted, and the weight (the largest of theirs).
    case listed(meanings: [String], weight: Double, codes: [String])
    /// NXDOMAIN or NODATA (RFC 5782 §2.1: not listed).
    case notListed
    /// The list refused to answer (127.255.255.0/24, Spamhaus-style error codes: a public
    /// resolver, too many queries, a typo in the zone). Counts as not listed and is logged.
    case refused(codes: [String])
    /// Answers outside 127.0.0.0/8, or only codes the zone's map does not name: counts as
    /// not listed and is logged (a wildcarded or expired list answers everything).
    case unexpected(codes: [String])
    /// SERVFAIL, a timeout, another failure: `spam.dns_error` decides.
    case error(String)

    public var isListed: Bool { if case .listed = self { true } else { false } }

    /// The label value in `hato_dnsbl_results_total`.
    public var metricLabel: String {
        switch self {
        case .listed: "listed"
        case .notListed: "not_listed"
        case .refused: "refused"
        case .unexpected: "unexpected"
        case .error: "error"
        }
    }

    /// Interprets the A records of a positive answer (RFC 5782 §2.1: any 127.0.0.0/8 address
    /// is a listing; lists use the last octets for the reason).
    public static func interpret(_ addresses: [IPv4Address], zone: BlocklistZone) -> BlocklistResult {
        var meanings: [String] = [], weight = 0.0, listedCodes: [String] = []
        var refused: [String] = [], unexpected: [String] = []
        for address in addresses {
            let text = address.description
            if address.bytes[0] != 127 {
                unexpected.append(text)
            } else if address.bytes[1] == 255, address.bytes[2] == 255 {
                refused.append(text)
            } else if zone.codes.isEmpty {
                if !meanings.contains("listed") { meanings.append("listed") }
                weight = max(weight, zone.weight)
                listedCodes.append(text)
            } else if let code = zone.codes[address] {
                if !meanings.contains(code.meaning) { meanings.append(code.meaning) }
                weight = max(weight, code.weight ?? zone.weight)
                listedCodes.append(text)
            } else {
                unexpected.append(text)
            }
        }
        if !listedCodes.isEmpty { return .listed(meanings: meanings, weight: weight, codes: listedCodes) }
        if !refused.isEmpty { return .refused(codes: refused) }
        if !unexpected.isEmpty { return .unexpected(codes: unexpected) }
        return .notListed
    }
}
