import Foundation
import Logging
import SASL

/// A problem with one key's value found after parsing (e.g. tls.cert without tls.key).
struct ConfigKeyError: Error {
    let path: String
    let message: String
}

/// The typed settings every part of Hato reads. Built only by `ConfigLoader`.
public struct HatoConfig: Sendable {
    public enum ListenerKind: String, Sendable, CaseIterable {
        case smtp, submission, submissions, imap, imaps, pop3, pop3s
        /// Listeners whose connections start with TLS (RFC 8314 implicit TLS).
        public var implicitTLS: Bool { self == .submissions || self == .imaps || self == .pop3s }
    }

    public struct Limits: Sendable {
        public var maxMessageSize: Int
        public var maxLineLength: Int
        public var maxRecipients: Int
        public var maxConnectionsPerIP: Int
        public var commandTimeout: Duration
        public var dataTimeout: Duration
        /// IMAP: command line bound, autologout after login (RFC 9051 §5.4) and before it, sessions per account.
        public var imapMaxLineLength: Int = 9216
        public var imapIdleTimeout: Duration = .seconds(1800)
        public var imapLoginTimeout: Duration = .seconds(60)
        public var imapSessionsPerUser: Int = 50
    }

    public struct AccountDefaults: Sendable {
        public var quotaBytes: Int64?
        public var quotaMessages: Int64?
        public var scramIterations: Int
    }

    /// One `[[tls.certificates]]` entry: a certificate presented when the client asks for
    /// `hostname` by SNI.
    public struct SNICertificate: Sendable, Equatable {
        public var hostname: String
        public var certificate: URL
        public var key: URL
    }

    /// `[auth]`: mechanisms offered and brute-force throttling.
    public struct Auth: Sendable {
        public var mechanisms: [String]
        public var delayAfterFailures: Int
        public var lockoutAfterFailures: Int
        public var lockoutDuration: Duration
    }

    public struct DNS: Sendable {
        /// nil: use /etc/resolv.conf.
        public var servers: [String]?
        public var validating: [String]
    }

    public var hostname: String
    public var dataDirectory: URL
    public var listeners: [ListenerKind: [ListenAddress]]
    /// Certificate and key paths; nil means "generate a self-signed pair in data_dir/tls".
    public var tlsCertificate: URL?
    public var tlsKey: URL?
    /// `[[tls.certificates]]`: more certificates, selected by SNI.
    public var tlsSNICertificates: [SNICertificate]
    public var auth: Auth
    public var limits: Limits
    public var accounts: AccountDefaults
    public var dns: DNS
    /// `[spf]`: what the smtp listener does with SPF fail and temperror.
    public var spfFail: String
    public var spfTemperror: String
    /// `[dkim]`: signing on submission and verification limits (docs/dkim.md).
    public var dkim: DKIMSettings
    public var logLevel: Logger.Level
    /// True when running on the embedded development defaults (no config file).
    public var isDevelopment: Bool

    static let logLevels = Set(Logger.Level.allCases.map(\.rawValue))

    init(values: [String: ConfigValue], baseDirectory: String?, isDevelopment: Bool) throws {
        func string(_ path: String) -> String? {
            if case .string(let s) = values[path] { return s } else { return nil }
        }
        func int(_ path: String) -> Int {
            if case .int(let i) = values[path] { return i } else { return 0 }
        }
        func list(_ path: String) -> [String]? {
            if case .list(let l) = values[path] { return l } else { return nil }
        }
        func url(_ path: String) -> URL? {
            guard let text = string(path) else { return nil }
            return resolve(text)
        }
        func resolve(_ text: String) -> URL {
            let expanded = (text as NSString).expandingTildeInPath
            if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL }
            let base = baseDirectory ?? FileManager.default.currentDirectoryPath
            return URL(fileURLWithPath: base).appendingPathComponent(expanded).standardizedFileURL
        }
        self.isDevelopment = isDevelopment
        hostname = string("hostname") ?? ProcessInfo.processInfo.hostName
        dataDirectory = url("data_dir")!
        var listeners: [ListenerKind: [ListenAddress]] = [:]
        for kind in ListenerKind.allCases {
            let addresses = (list("listen.\(kind.rawValue)") ?? []).compactMap(ValueParsing.listenAddress)
            if !addresses.isEmpty { listeners[kind] = addresses }
        }
        self.listeners = listeners
        tlsCertificate = url("tls.cert")
        tlsKey = url("tls.key")
        if (tlsCertificate == nil) != (tlsKey == nil) {
            throw ConfigKeyError(path: tlsCertificate == nil ? "tls.key" : "tls.cert", message: "tls.cert and tls.key must be set together")
        }
        var sni: [SNICertificate] = []
        if case .tables(let entries) = values["tls.certificates"] {
            for entry in entries {
                guard let hostname = entry["hostname"], let cert = entry["cert"], let key = entry["key"] else { continue }
                let name = hostname.lowercased()
                let label = name.hasPrefix("*.") ? String(name.dropFirst(2)) : name
                guard !label.isEmpty, !label.contains("*"), !label.contains(" ") else {
                    throw ConfigKeyError(path: "tls.certificates", message: "\"\(hostname)\" is not a host name or *.domain")
                }
                sni.append(SNICertificate(hostname: name, certificate: resolve(cert), key: resolve(key)))
            }
        }
        tlsSNICertificates = sni
        auth = Auth(
            mechanisms: list("auth.mechanisms") ?? [], delayAfterFailures: int("auth.delay_after_failures"),
            lockoutAfterFailures: int("auth.lockout_after_failures"), lockoutDuration: .seconds(int("auth.lockout_duration")))
        for name in auth.mechanisms where SASLMechanismName(wireName: name) == nil {
            let known = SASLMechanismName.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigKeyError(path: "auth.mechanisms", message: "unknown mechanism \"\(name)\" (known: \(known); DIGEST-MD5 is not offered, RFC 6331)")
        }
        limits = Limits(
            maxMessageSize: int("limits.max_message_size"), maxLineLength: int("limits.max_line_length"),
            maxRecipients: int("limits.max_recipients"), maxConnectionsPerIP: int("limits.max_connections_per_ip"),
            commandTimeout: .seconds(int("limits.command_timeout")), dataTimeout: .seconds(int("limits.data_timeout")),
            imapMaxLineLength: int("limits.imap_max_line_length"), imapIdleTimeout: .seconds(int("limits.imap_idle_timeout")),
            imapLoginTimeout: .seconds(int("limits.imap_login_timeout")), imapSessionsPerUser: int("limits.imap_sessions_per_user"))
        if limits.imapIdleTimeout < .seconds(1800) {
            throw ConfigKeyError(path: "limits.imap_idle_timeout", message: "must be at least 30 minutes (RFC 9051 §5.4)")
        }
        if limits.maxMessageSize < 1024 {
            throw ConfigKeyError(path: "limits.max_message_size", message: "must be at least 1024 bytes")
        }
        let quotaBytes = int("accounts.default_quota_bytes"), quotaMessages = int("accounts.default_quota_messages")
        accounts = AccountDefaults(
            quotaBytes: quotaBytes == 0 ? nil : Int64(quotaBytes), quotaMessages: quotaMessages == 0 ? nil : Int64(quotaMessages),
            scramIterations: int("accounts.scram_iterations"))
        dns = DNS(servers: list("dns.servers"), validating: list("dns.validating") ?? [])
        for server in dns.validating where !(dns.servers ?? []).contains(server) {
            throw ConfigKeyError(path: "dns.validating", message: "\(server) is not one of dns.servers")
        }
        spfFail = string("spf.fail") ?? "record"
        spfTemperror = string("spf.temperror") ?? "record"
        dkim = DKIMSettings(sign: (string("dkim.sign") ?? "on") == "on", signatureLifetime: int("dkim.signature_lifetime"),
                            maxSignatures: values["dkim.max_signatures"] == nil ? 10 : int("dkim.max_signatures"),
                            clockSkew: values["dkim.clock_skew"] == nil ? 300 : int("dkim.clock_skew"))
        logLevel = Logger.Level(rawValue: (string("log.level") ?? "info").lowercased()) ?? .info
    }

    /// Where the generated development certificate lives when tls.cert is unset.
    public var generatedCertificate: URL { dataDirectory.appendingPathComponent("tls/cert.pem") }
    public var generatedKey: URL { dataDirectory.appendingPathComponent("tls/key.pem") }
}
