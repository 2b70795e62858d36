/// An address a listener binds: an IP literal or "localhost", and a port (0: any free port).
public struct BindAddress: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
