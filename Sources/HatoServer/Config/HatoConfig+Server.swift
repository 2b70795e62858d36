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
}
