// Where a filter listens, in Postfix's notation (`smtpd_milters`): `inet:host:port` or
// `unix:/path` (a bare absolute path is a unix socket too).

public enum MilterEndpoint: Sendable, Equatable, CustomStringConvertible {
    case inet(host: String, port: Int)
    case unix(path: String)

    /// nil for anything else (the config loader names the key).
    public init?(_ text: String) {
        if text.hasPrefix("unix:") || text.hasPrefix("local:") {
            let path = String(text.drop { $0 != ":" }.dropFirst())
            guard path.hasPrefix("/") else { return nil }
            self = .unix(path: path)
        } else if text.hasPrefix("/") {
            self = .unix(path: text)
        } else if text.hasPrefix("inet:") || text.hasPrefix("inet6:") {
            let rest = text.drop { $0 != ":" }.dropFirst()
            guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port)
            else { return nil }
            var host = String(rest[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { return nil }
            self = .inet(host: host, port: port)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .inet(let host, let port): host.contains(":") ? "inet:[\(host)]:\(port)" : "inet:\(host):\(port)"
        case .unix(let path): "unix:\(path)"
        }
    }
}
