// Resolver configuration: which servers, how long to wait, how much to cache.
// Servers come from the config file (`[dns] servers = ["127.0.0.1:53"]`) or from
// /etc/resolv.conf (resolv.conf(5): `nameserver`, `options timeout:N attempts:N`).

import DNSMessage
import Foundation
import NIOCore

/// A recursive server to ask.
public struct DNSServer: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// True when this server validates DNSSEC and its AD bit may be believed (RFC 6840 §5.8:
    /// a stub trusts AD only from a validating resolver over a secure path, as Postfix's
    /// `smtp_dns_support_level = dnssec` does).
    public var validating: Bool

    public init(host: String, port: Int = 53, validating: Bool = false) {
        self.host = host
        self.port = port
        self.validating = validating
    }

    /// Parses "HOST", "HOST:PORT", "[V6]:PORT" or a bare IPv6 address. HOST must be an IP address.
    public init?(parsing text: String, validating: Bool = false) {
        var host = text
        var port = 53
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()) else { return nil }
                port = p
            }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            host = String(text[..<colon])
            guard let p = Int(text[text.index(after: colon)...]) else { return nil }
            port = p
        }
        guard (1...65535).contains(port), IPAddress(host) != nil else { return nil }
        self.init(host: host, port: port, validating: validating)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    func socketAddress() throws -> SocketAddress { try SocketAddress(ipAddress: host, port: port) }
}

public struct DNSClientConfiguration: Sendable {
    public var servers: [DNSServer]
    /// How long to wait for one server's answer (resolv.conf `timeout`, default 5 s there; we use 2 s
    /// as RFC 1536 §1 suggests retransmitting well before that).
    public var timeout: TimeAmount
    /// Rounds over the whole server list (resolv.conf `attempts`).
    public var attempts: Int
    /// CNAMEs followed before giving up (loops end here too).
    public var maxCNAMEChain: Int
    /// Cached RRsets and negative answers kept at most.
    public var cacheCapacity: Int
    /// The EDNS0 payload size advertised (RFC 6891 §6.2.5).
    public var udpPayloadSize: UInt16
    /// Seconds to keep an NXDOMAIN or NODATA that came without an SOA (0: not at all).
    public var negativeTTLWithoutSOA: UInt32
    /// The least wait before a query is asked again, however fast the server has been
    /// (`dns.retransmit_min_ms`; RetransmissionTimer explains the default).
    public var retransmitMinimum: TimeAmount = RetransmissionTimer.defaultMinimum
    /// The retransmission interval before a server's first reply (tests only).
    var retransmitInitial: TimeAmount = RetransmissionTimer.defaultInitial

    /// `attempts` defaults to 5 (the C library's is 2): queries after the first go out after a
    /// few round trips rather than after `timeout` (DNSClient+Exchange), so extra ones cost little.
    /// Once the last is sent, only its `timeout` is left: with 3, one question in 1,000 on a path
    /// losing 10% of packets waited the whole 2 s, and mail from new domains fell to 0.59x of its
    /// loss-free rate; with 5, one in 100,000, and 0.84-0.91x (docs/PERFORMANCE.md, issue 24).
    public init(servers: [DNSServer], timeout: TimeAmount = .seconds(2), attempts: Int = 5,
                maxCNAMEChain: Int = 8, cacheCapacity: Int = 10_000,
                udpPayloadSize: UInt16 = DNSLimits.defaultEDNSPayload, negativeTTLWithoutSOA: UInt32 = 60) {
        self.servers = servers
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.maxCNAMEChain = maxCNAMEChain
        self.cacheCapacity = max(1, cacheCapacity)
        self.udpPayloadSize = udpPayloadSize
        self.negativeTTLWithoutSOA = min(negativeTTLWithoutSOA, DNSLimits.maxNegativeTTL)
    }

    /// The servers and options of a resolv.conf text. Unparseable lines are skipped, as the
    /// C library does; with no `nameserver` lines the list is 127.0.0.1 (resolv.conf(5)).
    public static func parsingResolvConf(_ text: String) -> DNSClientConfiguration {
        var servers: [DNSServer] = []
        var configuration = DNSClientConfiguration(servers: [])
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.prefix { $0 != "#" && $0 != ";" }
            let fields = line.split(whereSeparator: { $0.isWhitespace }).map(String.init)
            guard let keyword = fields.first else { continue }
            if keyword == "nameserver", fields.count >= 2 {
                // Link-local zone indexes ("fe80::1%eth0") cannot be used here; skip them.
                if let server = DNSServer(parsing: fields[1].contains(":") && !fields[1].hasPrefix("[")
                                          ? "[\(fields[1])]" : fields[1]) {
                    servers.append(server)
                }
            } else if keyword == "options" {
                for option in fields.dropFirst() {
                    if option.hasPrefix("timeout:"), let n = Int(option.dropFirst(8)), n > 0 {
                        configuration.timeout = .seconds(Int64(min(n, 30)))
                    } else if option.hasPrefix("attempts:"), let n = Int(option.dropFirst(9)), n > 0 {
                        configuration.attempts = min(n, 5)
                    }
                }
            }
        }
        configuration.servers = servers.isEmpty ? [DNSServer(host: "127.0.0.1")] : servers
        return configuration
    }

    /// Reads /etc/resolv.conf (or `path`).
    public static func system(resolvConf path: String = "/etc/resolv.conf") throws -> DNSClientConfiguration {
        parsingResolvConf(try String(contentsOfFile: path, encoding: .utf8))
    }
}
