import NIOCore
import NIOSSL

/// How the client uses TLS on a connection.
public enum SMTPClientTLSMode: Sendable, Equatable {
    /// STARTTLS whenever the peer offers it, without certificate checks; plaintext when it does
    /// not (opportunistic security, RFC 7435 §1.3: any encryption beats none, and MX hosts rarely
    /// have certificates for the names mail is routed by). A refused STARTTLS also goes on in plaintext.
    case opportunistic
    /// Fail unless STARTTLS succeeds with a verified certificate for the server name (RFC 3207,
    /// RFC 8314 §3.3 for submission on 587): the smarthost mode.
    case requireSTARTTLS
    /// STARTTLS is mandatory and the certificate must match the MX host's DNSSEC-secure TLSA
    /// records (RFC 7672 §2.2, §3); no STARTTLS, a refused one or a mismatch fails the
    /// connection, never a fallback to plaintext. Trust roots and names outside the records are
    /// not consulted.
    case dane(DANEAuthentication)
    /// TLS from the first byte with a verified certificate (RFC 8314 §3, port 465).
    case implicit
    /// No TLS at all, not even when offered. For tests against local peers only.
    case none
}

/// Username and password for AUTH PLAIN or LOGIN (RFC 4954), sent only over TLS.
public struct SMTPClientCredentials: Sendable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

/// Everything a connection needs besides the peer's address.
public struct SMTPClientConfiguration: Sendable {
    /// The name sent in EHLO/HELO (RFC 5321 §4.1.1.1: the client's primary host name).
    public var heloName: String
    public var tlsMode: SMTPClientTLSMode
    /// The NIOSSL client configuration: trust roots for the verified modes (tests pass a custom
    /// CA), client certificates if any. The minimum version is raised to TLS 1.2 whatever it says,
    /// and `.opportunistic` turns certificate verification off on its own copy.
    public var tlsConfiguration: TLSConfiguration
    /// AUTH after TLS when set (never before: `authenticationUnavailable` otherwise).
    public var credentials: SMTPClientCredentials?
    /// TCP connect (not set by RFC 5321; 30 s by default).
    public var connectTimeout: TimeAmount
    /// Waiting for the greeting and for each command's reply. RFC 5321 §4.5.3.2.1-§4.5.3.2.4 ask
    /// for 5 minutes (greeting, MAIL, RCPT; DATA initiation 2 minutes): 5 minutes by default.
    public var commandTimeout: TimeAmount
    /// Sending the message and waiting for the reply to the final dot: RFC 5321 §4.5.3.2.6 asks
    /// for 10 minutes after the dot (§4.5.3.2.5: 3 minutes per data block); 10 minutes by default.
    public var dataTimeout: TimeAmount
    /// Longest reply line accepted, CRLF included. RFC 5321 §4.5.3.1.5 says 512; real servers send
    /// longer, so the default is 4096. A longer line ends the connection with `protocolViolation`.
    public var maxReplyLineLength: Int
    /// Most lines in one multi-line reply (EHLO replies are the longest, ~30 lines); default 100.
    public var maxReplyLines: Int

    public init(heloName: String, tlsMode: SMTPClientTLSMode = .opportunistic) {
        self.heloName = heloName
        self.tlsMode = tlsMode
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        self.tlsConfiguration = tls
        self.credentials = nil
        self.connectTimeout = .seconds(30)
        self.commandTimeout = .minutes(5)
        self.dataTimeout = .minutes(10)
        self.maxReplyLineLength = 4096
        self.maxReplyLines = 100
    }
}
