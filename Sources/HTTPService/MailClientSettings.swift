/// The client-facing mail listeners as a mail client must be told about them: the one
/// description that Thunderbird autoconfig, Microsoft Autodiscover and the Apple profile are all
/// generated from, so the three documents can never disagree with each other or with the
/// listeners. `HatoServer` builds it from the configured listeners and the ports they bound.
public struct MailClientSettings: Sendable, Equatable {
    /// One listener a client connects to.
    public struct Endpoint: Sendable, Equatable {
        public enum Service: String, Sendable {
            /// IMAP4rev2 (RFC 9051): `imaps` (993) or `imap` (143).
            case imap
            /// POP3 (RFC 1939): `pop3s` (995) or `pop3` (110).
            case pop3
            /// Message submission (RFC 6409): `submissions` (465) or `submission` (587).
            case submission
        }

        public enum Security: String, Sendable {
            /// TLS from the first byte (RFC 8314 §3.3).
            case implicitTLS
            /// Plaintext, then STARTTLS/STLS before login (RFC 3207, RFC 2595).
            case startTLS
        }

        public enum Authentication: String, Sendable {
            /// The password itself, inside TLS: SASL PLAIN/LOGIN, IMAP LOGIN, POP3 USER/PASS.
            case passwordCleartext
            /// A challenge-response mechanism (CRAM-MD5, SCRAM) that never sends the password.
            case passwordEncrypted
        }

        public var service: Service
        public var hostname: String
        public var port: Int
        public var security: Security
        public var authentication: Authentication

        public init(service: Service, hostname: String, port: Int, security: Security, authentication: Authentication) {
            self.service = service
            self.hostname = hostname
            self.port = port
            self.security = security
            self.authentication = authentication
        }
    }

    /// Every client-facing listener, most preferred first.
    public var endpoints: [Endpoint]

    /// Sorts `endpoints` into the order clients should try them: IMAP before POP3 (a client
    /// that can keep mail on the server should), implicit TLS before STARTTLS (RFC 8314 §3).
    public init(endpoints: [Endpoint]) {
        func rank(_ endpoint: Endpoint) -> Int {
            let service = switch endpoint.service { case .imap: 0; case .pop3: 2; case .submission: 4 }
            return service + (endpoint.security == .implicitTLS ? 0 : 1)
        }
        self.endpoints = endpoints.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
    }

    /// IMAP and POP3 endpoints, most preferred first.
    public var incoming: [Endpoint] { endpoints.filter { $0.service != .submission } }
    /// Submission endpoints, most preferred first.
    public var outgoing: [Endpoint] { endpoints.filter { $0.service == .submission } }

    /// True when a client can both read and send mail with these settings.
    public var isUsable: Bool { !incoming.isEmpty && !outgoing.isEmpty }
}
