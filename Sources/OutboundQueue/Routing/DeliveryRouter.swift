import DNSMessage
import Foundation

/// A host to try for a destination, in order: an MX host, the domain itself (implicit MX), or the relay.
public struct RouteHost: Sendable, Equatable {
    public var name: String
    public var port: Int
    public var isRelay: Bool
    /// The domain itself, used because it has no MX records (RFC 5321 §5.1).
    public var isImplicitMX: Bool
    public init(name: String, port: Int, isRelay: Bool = false, isImplicitMX: Bool = false) {
        self.name = name
        self.port = port
        self.isRelay = isRelay
        self.isImplicitMX = isImplicitMX
    }
}

/// Why a destination cannot be reached now (transient) or ever (permanent).
public struct RouteFailure: Error, Sendable, Equatable {
    public var reply: DeliveryReply
    public var isPermanent: Bool { reply.isPermanent }
    public init(_ code: Int, _ enhancedCode: String, _ text: String) {
        reply = DeliveryReply(code: code, enhancedCode: enhancedCode, text: text)
    }
}

/// Turns a recipient domain into the hosts and addresses to try (RFC 5321 §5.1), through
/// `DNSResolving` only: MX records by preference with equal preferences shuffled, the implicit MX
/// when there is none, null MX (RFC 7505) refused at once, every address of a host (IPv6 first,
/// then IPv4). With a relay configured, every destination is the relay.
public struct DeliveryRouter: Sendable {
    public let resolver: any DNSResolving
    public let mxPort: Int
    public let relay: OutboundConfiguration.Relay?
    /// This server's name: an MX pointing at it (and every less preferred one) is dropped (§5.1).
    public let hostname: String

    public init(resolver: any DNSResolving, mxPort: Int = 25, relay: OutboundConfiguration.Relay? = nil, hostname: String) {
        self.resolver = resolver
        self.mxPort = mxPort
        self.relay = relay
        self.hostname = hostname.lowercased()
    }

    /// The destination key scheduling groups recipients by (one connection serves one destination).
    public func destination(of domain: String) -> String {
        relay.map { "relay:\($0.host):\($0.port)" } ?? domain.lowercased()
    }

    /// The hosts to try for `domain`, most preferred first.
    public func hosts(for domain: String) async throws(RouteFailure) -> [RouteHost] {
        if let relay { return [RouteHost(name: relay.host, port: relay.port, isRelay: true)] }
        let records: [(preference: UInt16, exchange: DNSName)]
        do {
            records = try await resolver.lookupMX(DNSName(domain))
        } catch let error as DNSError {
            switch error.kind {
            case .nxdomain: throw RouteFailure(550, "5.1.2", "domain \(domain) does not exist (DNS NXDOMAIN)")
            // RFC 5321 §5.1: no MX records, so the domain itself is the implicit MX.
            case .noData: return [RouteHost(name: domain, port: mxPort, isImplicitMX: true)]
            default: throw RouteFailure(451, "4.4.3", "MX lookup for \(domain) failed: \(error)")
            }
        } catch {
            throw RouteFailure(550, "5.1.2", "\(domain) is not a valid domain name")
        }
        // RFC 7505 §3: a single MX with an empty exchange (".") says the domain accepts no mail.
        let real = records.filter { !$0.exchange.isRoot }
        if real.isEmpty {
            throw RouteFailure(556, "5.1.10", "\(domain) does not accept mail (null MX, RFC 7505)")
        }
        var usable = real
        if let own = real.first(where: { $0.exchange.description.lowercased().trimmingSuffixDot == hostname }) {
            usable = real.filter { $0.preference < own.preference }
            if usable.isEmpty {
                throw RouteFailure(550, "5.4.6", "mail for \(domain) loops back to this server (\(hostname) is its best MX)")
            }
        }
        // RFC 5321 §5.1: equal preferences are tried in random order to spread the load.
        var ordered: [RouteHost] = []
        for preference in Set(usable.map(\.preference)).sorted() {
            ordered += usable.filter { $0.preference == preference }.shuffled()
                .map { RouteHost(name: $0.exchange.description.trimmingSuffixDot, port: mxPort) }
        }
        return ordered
    }

    /// The addresses of one host, IPv6 first then IPv4. Throws when there are none: permanently
    /// for the implicit MX of a domain without addresses (§5.1), temporarily otherwise.
    public func targets(for host: RouteHost, implicitMX: Bool = false) async throws(RouteFailure) -> [DeliveryTarget] {
        if let literal = IPAddress(host.name) {
            return [DeliveryTarget(hostname: host.name, address: literal.description, port: host.port, isRelay: host.isRelay)]
        }
        let name: DNSName
        do { name = try DNSName(host.name) } catch {
            throw RouteFailure(451, "4.4.3", "\(host.name) is not a valid host name")
        }
        var addresses: [String] = []
        var errors: [DNSError] = []
        do { addresses += try await resolver.lookupIPv6(name).map(\.description) } catch { errors.append(error) }
        do { addresses += try await resolver.lookupIPv4(name).map(\.description) } catch { errors.append(error) }
        if addresses.isEmpty {
            if implicitMX && errors.allSatisfy(\.isNotFound) {
                throw RouteFailure(550, "5.1.2", "\(host.name) has no MX and no address records")
            }
            throw RouteFailure(451, "4.4.3", "no address for \(host.name): " + errors.map(\.description).joined(separator: "; "))
        }
        return addresses.map { DeliveryTarget(hostname: host.name, address: $0, port: host.port, isRelay: host.isRelay) }
    }
}

extension String {
    var trimmingSuffixDot: String { hasSuffix(".") ? String(dropLast()) : self }
}
