// Client networks for the spam controls: the CIDR blocks of `[[smtp.rules]]`, and the network
// an address belongs to for greylisting triplets and rate-limit keys (a /24 or a /64: one
// sender's outbound pool, RFC 6177 §2 for the IPv6 end-site prefix).

import DNSMessage

/// An IPv4 or IPv6 network in CIDR notation (RFC 4632 §3.1, RFC 4291 §2.3).
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    public let address: IPAddress
    public let prefix: Int

    /// `"203.0.113.0/24"`, `"2001:db8::/32"`, or a bare address (a /32 or /128). Host bits
    /// below the prefix are cleared, so `192.0.2.7/24` is `192.0.2.0/24`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first, let parsed = IPAddress(String(first)) else { return nil }
        let address = parsed.unmappedIPv4
        let bits = address.bytes.count * 8
        var prefix = bits
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy(\.isASCII), let value = Int(digits), value >= 0, value <= bits else {
                return nil
            }
            prefix = value
        }
        self.init(address: address, prefix: prefix)
    }

    /// The network of `prefix` bits around `address` (clamped to the family's length).
    public init(address: IPAddress, prefix: Int) {
        let address = address.unmappedIPv4
        let prefix = max(0, min(prefix, address.bytes.count * 8))
        self.address = Self.masked(address, prefix: prefix)
        self.prefix = prefix
    }

    public func contains(_ candidate: IPAddress) -> Bool {
        candidate.unmappedIPv4.matches(address, prefix: prefix)
    }

    public var description: String { "\(address)/\(prefix)" }

    static func masked(_ address: IPAddress, prefix: Int) -> IPAddress {
        var bytes = address.bytes
        for index in bytes.indices {
            let bits = max(0, min(8, prefix - index * 8))
            bytes[index] &= UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
        }
        return bytes.count == 4 ? .v4(IPv4Address(bytes: bytes)) : .v6(IPv6Address(bytes: bytes))
    }

    /// The network `address` is in for keys: `ipv4Prefix` bits of an IPv4 address, `ipv6Prefix`
    /// of an IPv6 one ("192.0.2.0/24", "2001:db8:1:2::/64").
    public static func key(of address: IPAddress, ipv4Prefix: Int, ipv6Prefix: Int) -> String {
        let address = address.unmappedIPv4
        let network = IPNetwork(address: address, prefix: address.bytes.count == 4 ? ipv4Prefix : ipv6Prefix)
        return network.description
    }
}

extension IPAddress {
    /// An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, RFC 4291 §2.5.5.2, what a dual-stack
    /// listener reports for an IPv4 client) as the IPv4 address it is; others unchanged.
    public var unmappedIPv4: IPAddress {
        guard case .v6(let v6) = self, v6.bytes.prefix(10).allSatisfy({ $0 == 0 }), v6.bytes[10] == 0xFF, v6.bytes[11] == 0xFF else {
            return self
        }
        return .v4(IPv4Address(bytes: Array(v6.bytes.suffix(4))))
    }
}
