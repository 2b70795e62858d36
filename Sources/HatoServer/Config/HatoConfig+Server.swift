import DNSMessage

extension HatoConfig {
    /// `[server]`: who the server runs as once its ports are bound, and where the world reaches it.
    public struct Server: Sendable, Equatable {
        /// `server.user`: the account `hato serve` switches to when started as root.
        public var user: String?
        /// `server.group`; nil: the user's primary group.
        public var group: String?
        /// `server.public_ips`: the addresses MX, A/AAAA, SPF and PTR must point at.
        public var publicIPs: [IPAddress]

        public init(user: String? = nil, group: String? = nil, publicIPs: [IPAddress] = []) {
            self.user = user
            self.group = group
            self.publicIPs = publicIPs
        }
    }

    static func server(string: (String) -> String?, list: (String) -> [String]?) throws -> Server {
        var addresses: [IPAddress] = []
        for text in list("server.public_ips") ?? [] {
            guard let address = IPAddress(text) else {
                throw ConfigKeyError(path: "server.public_ips", message: "\"\(text)\" is not an IPv4 or IPv6 address")
            }
            if !addresses.contains(address) { addresses.append(address) }
        }
        let user = string("server.user")
        if user == "root" || user == "0" {
            throw ConfigKeyError(path: "server.user", message: "must be an unprivileged user, not root")
        }
        if string("server.group") != nil, user == nil {
            throw ConfigKeyError(path: "server.group", message: "set server.user too (the group is the one the user runs with)")
        }
        return Server(user: user, group: string("server.group"), publicIPs: addresses)
    }

    /// `auth.benchmark_throttle_exempt`: IP literals on loopback only (127.0.0.0/8, ::1), in the
    /// text form the listener reports a client in, so a typo cannot exempt the internet.
    static func loopbackOnly(_ texts: [String], key: String) throws -> [String] {
        try texts.map { text in
            guard let address = IPAddress(text) else {
                throw ConfigKeyError(path: key, message: "\"\(text)\" is not an IPv4 or IPv6 address")
            }
            let bytes = address.bytes
            let loopback = bytes.count == 4 ? bytes[0] == 127 : bytes == Array(repeating: 0, count: 15) + [1]
            guard loopback else { throw ConfigKeyError(path: key, message: "\"\(text)\" is not a loopback address") }
            return address.description
        }
    }
}
