import Foundation
import MailAuth
import MailMessage
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
        /// ManageSieve (RFC 5804, STARTTLS): Sieve scripts edited by mail clients (docs/sieve.md).
        case managesieve
        /// The HTTP listeners (docs/http.md): `admin` serves /metrics and /healthz only.
        case http, https, admin
        /// Listeners whose connections start with TLS (RFC 8314 implicit TLS; HTTPS).
        public var implicitTLS: Bool { self == .submissions || self == .imaps || self == .pop3s || self == .https }
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
        public var knownClientDuration: Duration
        /// `auth.benchmark_throttle_exempt`: loopback addresses the throttle never counts.
        public var throttleExempt: [String] = []
        /// `auth.max_concurrent_password_checks` (0: one per core) and `auth.password_check_queue`.
        public var maxConcurrentPasswordChecks = 0
        public var passwordCheckQueue = 256
        /// `auth.shared_throttle_timeout`: the time limit on each call to the shared throttle counts.
        public var sharedThrottleTimeout: Duration = .seconds(5)
    }

    public struct DNS: Sendable {
        /// nil: use /etc/resolv.conf.
        public var servers: [String]?
        public var validating: [String]
        /// Per-resolver answer wait and rounds; nil: resolv.conf's or the client's defaults.
        public var timeout: Duration?
        public var attempts: Int?
        /// `dns.negative_ttl_without_soa`.
        public var negativeTTLWithoutSOA: Duration = .seconds(60)
        /// `dns.retransmit_min_ms`.
        public var retransmitMinimumMs: Int = 10
        /// `dns.dnssec`: "off", "ad-bit" or "validate" (docs/dns.md, DNSSEC).
        public var dnssec: String = "ad-bit"
        /// `dns.trust_anchor_file`: where in-process validation starts.
        public var trustAnchorFile: String = "/usr/share/dns/root.key"
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
    public var delivery: Delivery
    /// `[spf]`: what the smtp listener does with SPF fail and temperror.
    public var spfFail: String
    public var spfTemperror: String
    /// `[dkim]`: signing on submission and verification limits (docs/dkim.md).
    public var dkim: DKIMSettings
    /// `[dmarc]`: the local disposition of DMARC failures (docs/dmarc.md).
    public var dmarcReject: String
    public var dmarcQuarantine: String
    public var dmarcTemperror: String
    public var dmarcTrustedForwarders: [String]
    public var dmarcTrustedARCSealers: [String]
    public var dmarcRecord: Bool
    /// `[risk]`: the phishing/BEC assessment (docs/security.md).
    public var risk: RiskSettings
    /// `[smime]`: S/MIME signature verification (docs/smime.md).
    public var smime: SMIMESettings
    /// `[openpgp]`: OpenPGP certificates and signature verification (docs/openpgp.md).
    public var openpgp: OpenPGPSettings
    /// `[openpgp]` lookups of correspondents' keys (docs/openpgp.md#finding-keys).
    public var openpgpLookup: OpenPGPLookupSettings
    /// `[dmarc]` reporting: aggregate reports sent and received (docs/dmarc-reports.md).
    public var dmarcReports: DMARCReportSettings
    /// `[tls_reports]`: TLS-RPT reports sent (RFC 8460).
    public var tlsReports: TLSReportSettings
    /// `[spam]`, `[greylist]`, `[rate]`, `[[smtp.rules]]`: the spam controls (docs/security.md).
    public var spam: SpamSettings
    /// `[[milter]]`: content filters (docs/milter.md).
    public var milters: MilterSettings
    /// `[sieve]`: filtering at local delivery (docs/sieve.md).
    public var sieve: SieveSettings
    /// `[store]`: the embedded SQLite store or a shared PostgreSQL database (docs/scaling.md).
    public var store: StoreSettings
    public var logLevel: Logger.Level
    /// `[http]` limits and the `[mta_sts]` policy.
    public var http: HTTPSettings
    /// `[dashboard]`: the DMARC dashboard on the admin listener.
    public var dashboard: DashboardSettings
    /// `[server]`: the user to run as after binding, and the public addresses (docs/deployment.md).
    public var server: Server
    /// `[acme]`: certificates from an ACME CA (docs/acme.md); nil when `acme.email` is unset.
    public var acme: ACMESettings?
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
        func bool(_ path: String) -> Bool {
            if case .bool(let b) = values[path] { return b } else { return false }
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
            lockoutAfterFailures: int("auth.lockout_after_failures"), lockoutDuration: .seconds(int("auth.lockout_duration")),
            knownClientDuration: .seconds(int("auth.known_client_duration")))
        auth.maxConcurrentPasswordChecks = int("auth.max_concurrent_password_checks")
        auth.passwordCheckQueue = int("auth.password_check_queue")
        let throttleTimeout = int("auth.shared_throttle_timeout")
        guard (1...300).contains(throttleTimeout) else {
            throw ConfigKeyError(path: "auth.shared_throttle_timeout", message: "\(throttleTimeout) s is outside 1...300 s")
        }
        auth.sharedThrottleTimeout = .seconds(throttleTimeout)
        auth.throttleExempt = try Self.loopbackOnly(list("auth.benchmark_throttle_exempt") ?? [], key: "auth.benchmark_throttle_exempt")
        for name in auth.mechanisms where SASLMechanismName(wireName: name) == nil {
            let known = SASLMechanismName.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigKeyError(path: "auth.mechanisms", message: "unknown mechanism \"\(name)\" (known: \(known); DIGEST-MD5 is not offered, RFC 6331)")
        }
        limits = Limits(
            maxMessageSize: int("limits.max_message_size"), maxLineLength: int("limits.max_line_length"),
            maxRecipients: int("limits.max_recipients"), maxConnectionsPerIP: int("limits.max_connections_per_ip"),
            commandTimeout: .seconds(int("limits.command_timeout")), dataTimeout: .seconds(int("limits.data_timeout")),
            imapMaxLineLength: int("limits.imap_max_line_length"), imapIdleTimeout: .seconds(int("limits.imap_idle_timeout")),
            imapLoginTimeout: .seconds(int("limits.imap_login_timeout")), imapSessionsPerUser: int("limits.imap_sessions_per_user"),
            imapCommandTimeout: .seconds(int("limits.imap_command_timeout")), imapMaxMailboxes: int("limits.imap_max_mailboxes"),
            imapUnauthenticatedCommandSize: int("limits.imap_unauthenticated_command_size"),
            imapLiteralMinus: bool("limits.imap_literal_minus"),
            imapThreadMaxReferences: int("limits.imap_thread_max_references"),
            imapCatenateMaxURLs: int("limits.imap_catenate_max_urls"),
            imapMetadataMaxSize: int("limits.imap_metadata_max_size"), imapMetadataMaxEntries: int("limits.imap_metadata_max_entries"),
            imapURLAuthMaxURLs: int("limits.imap_urlauth_max_urls"), imapURLAuthMaxURLLength: int("limits.imap_urlauth_max_url_length"),
            imapContextUpdates: int("limits.imap_context_updates"), imapMessageCache: int("limits.imap_message_cache"),
            imapNotifyMailboxes: int("limits.imap_notify_mailboxes"), imapNotifyQueue: int("limits.imap_notify_queue"),
            maxConnections: values["limits.max_connections"] == nil ? nil : int("limits.max_connections"),
            maxConnectionsPerListener: values["limits.max_connections_per_listener"] == nil ? nil : int("limits.max_connections_per_listener"),
            maxUnsentOutput: int("limits.max_unsent_output"), outputStallTimeout: .seconds(int("limits.output_stall_timeout")),
            tlsHandshakeTimeout: .seconds(int("limits.tls_handshake_timeout")),
            dataPhaseTimeout: .seconds(int("limits.data_phase_timeout")), minDataRate: int("limits.min_data_rate"),
            pop3LoginTimeout: .seconds(int("limits.pop3_login_timeout")),
            maxSessionInput: values["limits.max_session_input"] == nil ? nil : int("limits.max_session_input"),
            maxHeaderFields: int("limits.max_header_fields"), maxMIMEDepth: int("limits.max_mime_depth"),
            maxMIMEParts: int("limits.max_mime_parts"))
        limits.spoolThreshold = int("limits.spool_threshold")
        limits.listenBacklog = int("limits.listen_backlog")
        limits.processingMemory = int("limits.processing_memory")
        for path in ["limits.output_stall_timeout", "limits.tls_handshake_timeout", "limits.pop3_login_timeout", "limits.data_phase_timeout"] where int(path) < 1 {
            throw ConfigKeyError(path: path, message: "must be at least 1 second")
        }
        if limits.maxUnsentOutput < 4096 {
            throw ConfigKeyError(path: "limits.max_unsent_output", message: "must be at least 4096 bytes")
        }
        if limits.imapIdleTimeout < .seconds(1800) {
            throw ConfigKeyError(path: "limits.imap_idle_timeout", message: "must be at least 30 minutes (RFC 9051 §5.4)")
        }
        if limits.maxMessageSize < 1024 {
            throw ConfigKeyError(path: "limits.max_message_size", message: "must be at least 1024 bytes")
        }
        if limits.sessionInputBudget < limits.maxMessageSize + Self.sessionInputMargin {
            throw ConfigKeyError(path: "limits.max_session_input",
                                 message: "must be at least limits.max_message_size plus 64K (\(limits.maxMessageSize + Self.sessionInputMargin) bytes)")
        }
        let quotaBytes = int("accounts.default_quota_bytes"), quotaMessages = int("accounts.default_quota_messages")
        accounts = AccountDefaults(
            quotaBytes: quotaBytes == 0 ? nil : Int64(quotaBytes), quotaMessages: quotaMessages == 0 ? nil : Int64(quotaMessages),
            scramIterations: int("accounts.scram_iterations"))
        dns = DNS(servers: list("dns.servers"), validating: list("dns.validating") ?? [],
                  timeout: values["dns.timeout"] == nil ? nil : .seconds(int("dns.timeout")),
                  attempts: values["dns.attempts"] == nil ? nil : int("dns.attempts"),
                  negativeTTLWithoutSOA: .seconds(int("dns.negative_ttl_without_soa")),
                  retransmitMinimumMs: int("dns.retransmit_min_ms"),
                  dnssec: string("dns.dnssec") ?? "ad-bit",
                  trustAnchorFile: string("dns.trust_anchor_file") ?? "/usr/share/dns/root.key")
        if let timeout = dns.timeout, timeout < .seconds(1) || timeout > .seconds(60) {
            throw ConfigKeyError(path: "dns.timeout", message: "must be between 1 and 60 seconds")
        }
        for server in dns.validating where !(dns.servers ?? []).contains(server) {
            throw ConfigKeyError(path: "dns.validating", message: "\(server) is not one of dns.servers")
        }
        delivery = try Self.delivery(string: string, int: int, url: url)
        spfFail = string("spf.fail") ?? "record"
        spfTemperror = string("spf.temperror") ?? "record"
        dkim = DKIMSettings(sign: (string("dkim.sign") ?? "on") == "on", signatureLifetime: int("dkim.signature_lifetime"),
                            maxSignatures: values["dkim.max_signatures"] == nil ? 10 : int("dkim.max_signatures"),
                            clockSkew: values["dkim.clock_skew"] == nil ? 300 : int("dkim.clock_skew"))
        dmarcReject = string("dmarc.reject") ?? "reject"
        dmarcQuarantine = string("dmarc.quarantine") ?? "quarantine"
        dmarcTemperror = string("dmarc.temperror") ?? "accept"
        dmarcTrustedForwarders = list("dmarc.trusted_forwarders") ?? []
        for entry in dmarcTrustedForwarders where !DMARCLocalPolicy.isValidForwarder(entry) {
            throw ConfigKeyError(path: "dmarc.trusted_forwarders", message: "\(entry) is neither an address, a network nor a domain")
        }
        dmarcTrustedARCSealers = list("dmarc.trusted_arc_sealers") ?? []
        for entry in dmarcTrustedARCSealers where !DMARCLocalPolicy.isValidForwarder(entry) || entry.contains("/") || entry.contains(":") {
            throw ConfigKeyError(path: "dmarc.trusted_arc_sealers", message: "\(entry) is not a domain")
        }
        dmarcRecord = (string("dmarc.record") ?? "on") == "on"
        risk = try RiskSettings(string: string, int: int, list: list, url: url)
        smime = try SMIMESettings(string: string, int: int, bool: bool, list: list,
                                  tables: { if case .tables(let entries) = values["smime.policy"] { entries } else { [] } }())
        openpgp = try OpenPGPSettings(string: string, int: int, list: list,
                                      tables: { if case .tables(let entries) = values["openpgp.policy"] { entries } else { [] } }())
        openpgpLookup = try OpenPGPLookupSettings(string: string, int: int, list: list, bool: bool)
        dmarcReports = try DMARCReportSettings(string: string, int: int, list: list, hostname: hostname)
        tlsReports = try TLSReportSettings(string: string, int: int, list: list, hostname: hostname)
        spam = try SpamSettings(values: values)
        milters = try MilterSettings.parse(values["milter"])
        sieve = try SieveSettings(values: values)
        store = try StoreSettings(string: string, int: int, url: url)
        if values["store.inline_body_max"] != nil { store.inlineBodyMax = int("store.inline_body_max") }
        store.syncMailboxChanges = bool("store.sync_mailbox_changes")
        logLevel = Logger.Level(rawValue: (string("log.level") ?? "info").lowercased()) ?? .info
        http = try HTTPSettings(string: string, int: int, list: list, hostname: hostname)
        dashboard = try DashboardSettings(string: string, int: int)
        server = try Self.server(string: string, list: list)
        acme = try ACMESettings(values: values, hostname: hostname, url: url)
    }

    /// What a session's input budget must hold besides one whole message: a read's worth of
    /// the commands around it.
    static let sessionInputMargin = 64 * 1024

    /// Unnamed files of messages being received (`limits.spool_threshold`); made at start.
    public var spoolDirectory: URL { dataDirectory.appendingPathComponent("spool") }
    /// Where the generated development certificate lives when tls.cert is unset.
    public var generatedCertificate: URL { dataDirectory.appendingPathComponent("tls/cert.pem") }
    public var generatedKey: URL { dataDirectory.appendingPathComponent("tls/key.pem") }
}
