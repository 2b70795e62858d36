import Foundation
import NIOSSL
import PostgresNIO

/// TLS to the database (`[store] tls`).
public enum PostgresTLSMode: String, Sendable, CaseIterable {
    /// Plain TCP (a database on loopback or a private link).
    case disable
    /// TLS when the server offers it, without checking its certificate (libpq's `prefer`).
    case prefer
    /// TLS or no connection, and the server's certificate must chain to a trusted CA and name the host.
    case require

    var clientTLS: PostgresClient.Configuration.TLS {
        switch self {
        case .disable:
            return .disable
        case .prefer:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            return .prefer(configuration)
        case .require:
            return .require(.makeClientConfiguration())
        }
    }

    /// The same for a single connection (the schema set-up's).
    func connectionTLS() throws -> PostgresConnection.Configuration.TLS {
        switch self {
        case .disable:
            return .disable
        case .prefer:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            return .prefer(try NIOSSLContext(configuration: configuration))
        case .require:
            return .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
    }
}

/// Where the database is: `postgres://user@host:port/database` (`[store] url`), the password kept
/// apart (`password_file` or `HATO_STORE_PASSWORD`) so the URL can be shown and logged.
public struct PostgresConnectionSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: PostgresTLSMode

    public init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String, tls: PostgresTLSMode = .prefer) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }

    public struct InvalidURL: Error, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { "invalid store url: \(reason)" }
    }

    /// Parses `postgres://user@host[:port]/database` (also `postgresql://`). A password in the URL
    /// is refused: it would end up in logs and `ps` output; use `password_file` or the environment.
    public init(url text: String, password: String?, tls: PostgresTLSMode) throws(InvalidURL) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "postgres" || scheme == "postgresql" else {
            throw InvalidURL(reason: "expected postgres://user@host:port/database")
        }
        guard components.password == nil else {
            throw InvalidURL(reason: "no password in the url; use password_file or HATO_STORE_PASSWORD")
        }
        guard let host = components.host, !host.isEmpty else { throw InvalidURL(reason: "no host") }
        guard let user = components.user, !user.isEmpty else { throw InvalidURL(reason: "no user (postgres://user@host/database)") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw InvalidURL(reason: "no database name after the host") }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw InvalidURL(reason: "port \(port) out of range") }
        self.init(host: host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host, port: port,
                  username: user.removingPercentEncoding ?? user, password: password,
                  database: database.removingPercentEncoding ?? database, tls: tls)
    }

    /// The URL without a password, for logs and the banner.
    public var displayURL: String { "postgres://\(username)@\(host):\(port)/\(database)" }
}
