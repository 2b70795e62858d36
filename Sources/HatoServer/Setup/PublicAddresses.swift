import DNSMessage
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The global unicast addresses of this machine's interfaces: what `hato quickstart` proposes
/// as `server.public_ips` when none is given. Behind NAT the public address is not on any
/// interface, and the operator must name it.
public enum PublicAddresses {
    public static func detect() -> [IPAddress] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var found: [IPAddress] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr else { continue }
            var bytes: [UInt8]
            switch Int32(address.pointee.sa_family) {
            case AF_INET:
                bytes = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    withUnsafeBytes(of: $0.pointee.sin_addr) { Array($0) }
                }
            case AF_INET6:
                bytes = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) }
                }
            default: continue
            }
            let ip: IPAddress = bytes.count == 4 ? .v4(IPv4Address(bytes: bytes)) : .v6(IPv6Address(bytes: bytes))
            if isGlobal(ip), !found.contains(ip) { found.append(ip) }
        }
        return found
    }

    /// Not loopback, link-local, private (RFC 1918, RFC 4193), shared (RFC 6598) or documentation space.
    public static func isGlobal(_ ip: IPAddress) -> Bool {
        let reserved: [(String, Int)] = [
            ("0.0.0.0", 8), ("10.0.0.0", 8), ("100.64.0.0", 10), ("127.0.0.0", 8), ("169.254.0.0", 16),
            ("172.16.0.0", 12), ("192.168.0.0", 16), ("224.0.0.0", 3),
            ("192.0.2.0", 24), ("198.51.100.0", 24), ("203.0.113.0", 24), ("2001:db8::", 32),
            ("::", 127), ("fe80::", 10), ("fc00::", 7), ("ff00::", 8), ("::ffff:0:0", 96),
        ]
        return !reserved.contains { network, prefix in IPAddress(network).map { ip.matches($0, prefix: prefix) } ?? false }
    }
}
