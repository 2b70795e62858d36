/// Every configuration key Hato knows, its type, default and documentation. `docs/configuration.md`
/// documents the same keys (a test keeps the two in step); the loader rejects anything else.
public enum ConfigKind: Sendable, Equatable {
    case string
    case path
    case integer(min: Int, max: Int)
    /// Bytes: an integer, or a string with a unit ("50M", "1G"; 1024-based).
    case size
    /// A duration: integer seconds, or a string like "30s", "5m", "1h", "2d".
    case duration
    /// `true` or `false` (in the environment also `1`/`0`).
    case boolean
    /// A list of "address:port" strings (`[::1]:25` for IPv6).
    case listenList
    case stringList
    case logLevel
    /// One of a fixed set of words.
    case choice([String])
    /// An array of tables (`[[tls.certificates]]`) whose entries have exactly these string
    /// fields; the first `required` of them must be present. Set in the file only.
    case tableList(fields: [String], required: Int)

    var typeName: String {
        switch self {
        case .string, .path: "string"
        case .integer: "integer"
        case .size: "size (integer bytes or a string such as \"50M\")"
        case .duration: "duration (integer seconds or a string such as \"5m\")"
        case .boolean: "boolean (true or false)"
        case .listenList: "array of \"address:port\" strings"
        case .stringList: "array of strings"
        case .logLevel: "one of trace, debug, info, notice, warning, error, critical"
        case .choice(let words): "one of " + words.joined(separator: ", ")
        case .tableList(let fields, _): "array of tables with " + fields.joined(separator: ", ")
        }
    }
}

public struct ConfigKey: Sendable {
    /// Dotted path: "hostname", "limits.max_message_size".
    public let path: String
    public let kind: ConfigKind
    /// The default when a config file is used. nil: unset (e.g. a listener left out is not started).
    public let fileDefault: ConfigValue?
    /// The embedded development default used when there is no config file at all.
    public let developmentDefault: ConfigValue?
    public let summary: String

    /// `HATO_` + the path in upper case with dots as underscores: `HATO_LIMITS_MAX_MESSAGE_SIZE`.
    public var environmentName: String {
        "HATO_" + path.uppercased().replacingOccurrences(of: ".", with: "_")
    }
    public var section: String? { path.contains(".") ? String(path.split(separator: ".")[0]) : nil }
    public var name: String { String(path.split(separator: ".").last!) }
}

public enum ConfigSchema {
    static func key(
        _ path: String, _ kind: ConfigKind, _ fileDefault: ConfigValue?, dev: ConfigValue? = nil, _ summary: String
    ) -> ConfigKey {
        ConfigKey(path: path, kind: kind, fileDefault: fileDefault, developmentDefault: dev ?? fileDefault, summary: summary)
    }

    static func listen(_ name: String, _ devPort: Int, _ summary: String) -> ConfigKey {
        key("listen.\(name)", .listenList, nil, dev: .list(["127.0.0.1:\(devPort)"]), summary)
    }

    public static let keys: [ConfigKey] = afterDMARCRecord(baseKeys, dmarcReportKeys)

    static let baseKeys: [ConfigKey] = [
        key("hostname", .string, nil, dev: .string("localhost"),
            "Name of this server in SMTP banners, EHLO and Received headers (default: the system host name)."),
        key("data_dir", .path, .string("/var/lib/hato"), dev: .string("./hato-data"),
            "Directory for the SQLite database (hato.sqlite), message files (messages/) and generated TLS files (tls/)."),
        listen("smtp", 2525, "Inbound MX (RFC 5321), usually 0.0.0.0:25."),
        listen("submission", 2587, "Message submission with STARTTLS (RFC 6409), usually 0.0.0.0:587."),
        listen("submissions", 2465, "Message submission over implicit TLS (RFC 8314), usually 0.0.0.0:465."),
        listen("imap", 2143, "IMAP with STARTTLS, usually 0.0.0.0:143."),
        listen("imaps", 2993, "IMAP over implicit TLS (RFC 8314), usually 0.0.0.0:993."),
        listen("pop3", 2110, "POP3 with STLS, usually 0.0.0.0:110."),
        listen("pop3s", 2995, "POP3 over implicit TLS, usually 0.0.0.0:995."),
        listen("managesieve", 4190, "ManageSieve (RFC 5804) with STARTTLS for Sieve script editors, usually 0.0.0.0:4190 (docs/sieve.md)."),
        listen("http", 2080, "HTTP: ACME http-01, MTA-STS, autoconfig, Autodiscover, the Apple profile, /healthz (docs/http.md); 0.0.0.0:80, or a loopback port behind a proxy."),
        listen("https", 2443, "The same over TLS with the mail certificates, usually 0.0.0.0:443."),
        listen("admin", 2980, "/metrics (Prometheus), /healthz and the DMARC dashboard; keep it on loopback, e.g. 127.0.0.1:9925."),
        key("tls.cert", .path, nil,
            "PEM certificate chain (leaf first). Unset: a self-signed certificate is generated in data_dir/tls/."),
        key("tls.key", .path, nil, "PEM private key for tls.cert (RSA, P-256 or P-384)."),
        key("tls.certificates", .tableList(fields: ["hostname", "cert", "key"], required: 3), nil,
            "More certificates, chosen by the host name the client asks for (SNI): [[tls.certificates]] entries with hostname (or *.domain), cert and key."),
        key("auth.mechanisms", .stringList, .list(["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1", "PLAIN", "LOGIN"]),
            "SASL mechanisms offered, in order. Add CRAM-MD5 to offer it to accounts set up with hato account passwd --allow-cram-md5."),
        key("auth.delay_after_failures", .integer(min: 1, max: 1000), .int(3),
            "Failed logins (per client address and per account) after which every reply is delayed, 1 s doubling up to 16 s."),
        key("auth.lockout_after_failures", .integer(min: 1, max: 10000), .int(10),
            "Failed logins after which AUTH and logins are refused for auth.lockout_duration."),
        key("auth.lockout_duration", .duration, .int(900), "How long a locked-out client address or account is refused."),
        key("auth.known_client_duration", .duration, .int(2_592_000),
            "How long an address that logged in to an account stays exempt from that account's lock-out (not from its own)."),
        key("auth.shared_throttle_timeout", .duration, .int(5),
            "Shared PostgreSQL store: how long a login waits for the cluster's throttle counts before it is refused as a temporary failure (1-300 s)."),
        key("auth.benchmark_throttle_exempt", .stringList, .list([]),
            "Benchmarks only: loopback addresses (127.0.0.0/8, ::1) whose logins are never throttled, delayed or locked out."),
        key("auth.max_concurrent_password_checks", .integer(min: 0, max: 1024), .int(0),
            "How many PLAIN/LOGIN password checks (PBKDF2) run at once, off the threads sessions use; 0: one per core."),
        key("auth.password_check_queue", .integer(min: 0, max: 100_000), .int(256),
            "How many password checks may wait for a free slot; past that a login fails at once as a temporary failure."),
        key("limits.max_message_size", .size, .int(52_428_800),
            "Largest message in bytes: SMTP SIZE (RFC 1870) and IMAP APPEND."),
        key("limits.max_line_length", .integer(min: 512, max: 1_048_576), .int(4096),
            "Longest command line in bytes, all protocols (RFC 5321 §4.5.3.1.4 requires at least 512)."),
        key("limits.max_recipients", .integer(min: 1, max: 100_000), .int(100),
            "Most RCPT TO per SMTP transaction (RFC 5321 §4.5.3.1.8 requires at least 100)."),
        key("limits.max_connections_per_ip", .integer(min: 1, max: 100_000), .int(20),
            "Concurrent connections from one client IP address, per listener kind."),
        key("limits.max_connections", .integer(min: 1, max: 10_000_000), nil,
            "Open client connections, all listeners together. Unset: the descriptor limit less a reserve for storage, delivery and DNS."),
        key("limits.max_connections_per_listener", .integer(min: 1, max: 10_000_000), nil,
            "Open client connections on one listener kind. Unset: half of limits.max_connections."),
        key("limits.listen_backlog", .integer(min: 16, max: 65_535), .int(4096),
            "Connections the kernel queues on each listening socket before they are accepted (listen(2) backlog; Linux caps it at net.core.somaxconn)."),
        key("limits.max_unsent_output", .size, .int(262_144),
            "Reply bytes waiting to be sent to one client after which its input is no longer read (backpressure)."),
        key("limits.output_stall_timeout", .duration, .int(120),
            "A connection whose unsent replies make no progress for this long is closed (a client that does not read)."),
        key("limits.tls_handshake_timeout", .duration, .int(30),
            "Time allowed for a whole TLS handshake, on implicit-TLS listeners and after STARTTLS/STLS."),
        key("limits.command_timeout", .duration, .int(300),
            "SMTP time allowed for the next whole command line (RFC 5321 §4.5.3.2.7 suggests 5 minutes); IMAP and POP3 use their RFC minimums."),
        key("limits.data_timeout", .duration, .int(300),
            "SMTP idle time allowed while receiving message content (DATA/BDAT); at least 3 minutes (RFC 5321 §4.5.3.2.5)."),
        key("limits.data_phase_timeout", .duration, .int(600),
            "SMTP time allowed for a whole DATA or BDAT phase, plus one second per limits.min_data_rate bytes received."),
        key("limits.min_data_rate", .integer(min: 1, max: 1_073_741_824), .int(1024),
            "Bytes per second that extend limits.data_phase_timeout for large messages; a slower sender gets 421 4.4.2."),
        key("limits.pop3_login_timeout", .duration, .int(120),
            "POP3 connections not logged in this long after connecting are closed, whatever they send."),
        key("limits.imap_max_line_length", .integer(min: 1024, max: 1_048_576), .int(65_536),
            "Longest IMAP command line part in bytes (an RFC 2971 ID at its own limits needs up to about 63 KB)."),
        key("limits.imap_idle_timeout", .duration, .int(1800),
            "IMAP autologout after this much inactivity once logged in, IDLE included (RFC 9051 §5.4: at least 30 minutes)."),
        key("limits.imap_login_timeout", .duration, .int(60),
            "IMAP connections that have not logged in this long after connecting are closed, however active."),
        key("limits.imap_command_timeout", .duration, .int(60),
            "Time one IMAP command line or literal may take to arrive once started (large literals get more at 16 KiB/s)."),
        key("limits.imap_max_mailboxes", .integer(min: 1, max: 1_000_000), .int(1000),
            "Mailboxes per account; CREATE and RENAME beyond it get NO [LIMIT]."),
        key("limits.imap_unauthenticated_command_size", .integer(min: 1024, max: 1_048_576), .int(65_536),
            "Largest IMAP command before login, literals included; larger ones get BAD [LIMIT]."),
        key("limits.imap_literal_minus", .boolean, .bool(false),
            "Advertise LITERAL- (non-synchronizing literals up to 4096 bytes, RFC 7888 §5) instead of LITERAL+."),
        key("limits.imap_thread_max_references", .integer(min: 1, max: 10_000), .int(100), "References per message IMAP THREAD=REFERENCES links (the last ones)."),
        key("limits.imap_catenate_max_urls", .integer(min: 1, max: 10_000), .int(100),
            "URL parts one IMAP CATENATE message may name (RFC 4469); more get NO [LIMIT]. The joined message is bounded by limits.max_message_size (NO [TOOBIG])."),
        key("limits.imap_metadata_max_size", .integer(min: 1024, max: 65_536), .int(16_384),
            "Largest value of one IMAP METADATA entry in bytes (RFC 5464); larger ones get NO [METADATA MAXSIZE n]."),
        key("limits.imap_metadata_max_entries", .integer(min: 10, max: 100_000), .int(1000),
            "IMAP METADATA entries one account may have on its mailboxes and the server together (RFC 5464); more get NO [METADATA TOOMANY]."),
        key("limits.imap_context_updates", .integer(min: 1, max: 1000), .int(10),
            "Searches one IMAP session keeps live with SEARCH/SORT RETURN (UPDATE) (RFC 5267 §4.3); one more gets an untagged NO [NOUPDATE]."),
        key("limits.imap_message_cache", .integer(min: 0, max: 1_000_000), .int(4096),
            "Messages whose unchanging facts (internal date, size, body reference, stored summary) the IMAP server keeps in memory for SEARCH, SORT and FETCH, in each of two generations (0: none); a command then reads only the rows it has not seen."),
        key("limits.imap_notify_mailboxes", .integer(min: 1, max: 10_000), .int(200),
            "Mailboxes other than the selected one whose message events one IMAP session may watch with NOTIFY (RFC 5465); a NOTIFY SET naming more gets NO [NOTIFICATIONOVERFLOW], and a session whose filters come to match more (new mailboxes) gets * OK [NOTIFICATIONOVERFLOW] and its notifications stop."),
        key("limits.imap_notify_queue", .integer(min: 10, max: 100_000), .int(1000),
            "NOTIFY responses (STATUS, LIST, METADATA) one IMAP session may have waiting for a client that is not reading (RFC 5465 §5.8); one more stops its notifications with * OK [NOTIFICATIONOVERFLOW]."),
        key("limits.imap_urlauth_max_urls", .integer(min: 1, max: 10_000), .int(100),
            "URLs one IMAP GENURLAUTH or URLFETCH may name (RFC 4467); more get BAD [LIMIT]. One URLFETCH's data is bounded by limits.max_message_size (NO [LIMIT])."),
        key("limits.imap_urlauth_max_url_length", .integer(min: 256, max: 65_536), .int(4096),
            "Longest IMAP URL GENURLAUTH signs (longer: BAD) and URLFETCH resolves (longer: NIL), in octets (RFC 4467)."),
        key("limits.imap_sessions_per_user", .integer(min: 1, max: 100_000), .int(50),
            "Concurrent authenticated IMAP sessions per account."),
        key("limits.max_session_input", .size, nil,
            "Client input one session may hold at once (pipelined commands, an IMAP command's literals, the SMTP message being received). Unset: twice limits.max_message_size."),
        key("limits.spool_threshold", .size, .int(262_144),
            "Octets of an incoming SMTP message held in memory while it arrives; the rest is written to an unnamed file in data_dir/spool, so a session holds at most this much."),
        key("limits.processing_memory", .size, .int(33_554_432),
            "Octets of received messages checked and delivered at once across all SMTP sessions (a message is checked whole, in memory); sessions beyond it wait with their message on disk. A larger message is processed alone."),
        key("limits.max_header_fields", .integer(min: 100, max: 1_000_000), .int(10_000),
            "Header fields read from one header section; later ones are kept in the message but not parsed."),
        key("limits.max_mime_depth", .integer(min: 1, max: 100), .int(64),
            "Deepest MIME nesting (multipart and message/rfc822) parsed; deeper parts are single opaque parts."),
        key("limits.max_mime_parts", .integer(min: 1, max: 1_000_000), .int(50_000),
            "MIME parts parsed in one message (at most 10,000 in one multipart); the rest is not split into parts."),
        key("accounts.default_quota_bytes", .size, .int(0), "Quota in bytes for new accounts; 0 means unlimited."),
        key("accounts.default_quota_messages", .integer(min: 0, max: Int.max), .int(0),
            "Quota in messages for new accounts; 0 means unlimited."),
        key("accounts.scram_iterations", .integer(min: 4096, max: 10_000_000), .int(10_000),
            "PBKDF2 iterations for new SCRAM keys (RFC 7677 §4: at least 4096)."),
        key("dns.servers", .stringList, nil,
            "Recursive resolvers as \"address:port\". Unset: the nameservers in /etc/resolv.conf."),
        key("dns.validating", .stringList, .list([]),
            "Resolvers (from dns.servers) whose AD bit is trusted as DNSSEC validation, as Postfix does for DANE."),
        key("dns.dnssec", .choice(["off", "ad-bit", "validate"]), .string("ad-bit"),
            "DNSSEC: validate in process with libunbound from the trust anchors (validate), believe the AD bit of the dns.validating resolvers (ad-bit), or treat every answer as insecure (off)."),
        key("dns.trust_anchor_file", .path, .string("/usr/share/dns/root.key"),
            "DS or DNSKEY records (zone-file format) validation starts from, with dns.dnssec = \"validate\". Default: the root key of Debian's dns-root-data."),
        key("dns.timeout", .duration, nil,
            "How long one query waits for its answer (resolv.conf timeout); the next query goes out earlier, after a few measured round trips. Unset: resolv.conf's, else 2 seconds."),
        key("dns.attempts", .integer(min: 1, max: 5), nil,
            "Times each resolver is asked before a lookup is a temporary failure (resolv.conf attempts). Unset: resolv.conf's, else 5."),
        key("dns.negative_ttl_without_soa", .duration, .int(60),
            "How long an NXDOMAIN or NODATA that came without an SOA is cached (0: not cached; at most 3 hours)."),
        key("dns.retransmit_min_ms", .integer(min: 1, max: 2000), .int(10),
            "The least wait in milliseconds before a query is asked again, however fast the resolver has answered (the wait is a few measured round trips)."),
        key("spf.fail", .choice(["record", "reject"]), .string("record"),
            "SPF fail for MAIL FROM on the smtp listener: record it in the headers, or reject with 550 5.7.23."),
        key("spf.temperror", .choice(["record", "defer"]), .string("record"),
            "SPF temperror (DNS trouble) on the smtp listener: record it, or defer with 451 4.7.24."),
        key("delivery.relay", .string, nil,
            "Smarthost \"host:port\" for all outbound mail instead of MX routing (networks that block port 25). Unset: MX routing."),
        key("delivery.relay_username", .string, nil, "User name for SMTP AUTH at the relay."),
        key("delivery.relay_password", .string, nil, "Password for SMTP AUTH at the relay (prefer relay_password_file)."),
        key("delivery.relay_password_file", .path, nil, "File whose first line is the relay password."),
        key("delivery.relay_tls", .choice(["starttls", "implicit"]), nil,
            "TLS to the relay, always required: implicit (port 465) or starttls (otherwise). Unset: by port."),
        key("delivery.relay_ca_file", .path, nil,
            "PEM certificates trusted for the relay's certificate instead of the system roots (a private relay)."),
        key("delivery.dane", .choice(["on", "off"]), .string("on"), "DANE for MX hosts (RFC 7672): DNSSEC-secure TLSA records make TLS mandatory with a matching certificate (needs dns.dnssec = \"validate\" or a server in dns.validating)."),
        key("delivery.mta_sts", .choice(["on", "off"]), .string("on"), "Apply recipient domains' MTA-STS policies (RFC 8461): in enforce mode only listed MX hosts with WebPKI-valid certificates are used."),
        key("delivery.mta_sts_refresh_interval", .duration, .int(3_600),
            "How often stored MTA-STS policies past half their max_age are fetched again (RFC 8461 §10.3); 0: only when mail is sent."),
        key("delivery.tls_ca_file", .path, nil, "PEM certificates trusted instead of the system roots for MTA-STS policy fetches and MX certificates (tests, private PKIs)."),
        key("delivery.mx_port", .integer(min: 1, max: 65535), .int(25),
            "Port for MX hosts (RFC 5321 §4.5.4: 25); tests point it at a loopback sink."),
        key("delivery.retry_initial", .duration, .int(300), "Wait after the first failed attempt; doubles after each further one."),
        key("delivery.retry_max_interval", .duration, .int(14_400), "Longest wait between two attempts."),
        key("delivery.max_queue_time", .duration, .int(432_000),
            "How long a message is retried before it bounces (RFC 5321 §4.5.4.1: 4-5 days)."),
        key("delivery.delay_warning", .duration, .int(0),
            "Send the sender one \"delayed\" DSN once a message has waited this long; 0: never."),
        key("delivery.max_connections", .integer(min: 1, max: 10_000), .int(20), "Outbound SMTP connections open at once."),
        key("delivery.max_connections_per_domain", .integer(min: 1, max: 1000), .int(4),
            "Outbound connections open at once to one destination domain (or to the relay)."),
        key("delivery.max_messages_per_connection", .integer(min: 1, max: 100_000), .int(100),
            "Messages sent over one connection, across the batches that reuse it, before it is closed."),
        key("delivery.connection_idle_time", .duration, .int(5),
            "How long a connection stays open after its batch for more mail to the same destination (RSET, then reused); 0: closed at once."),
        key("delivery.lease", .duration, .int(900),
            "How long a node holds the queue entries it took for delivery; on a shared PostgreSQL store another node takes over this long after a node died mid-delivery (docs/scaling.md)."),
        key("delivery.poll_interval", .duration, .int(30),
            "How often the queue is checked when nothing wakes it (new mail and `hato queue retry`/`flush` wake it at once)."),
        key("dkim.sign", .choice(["on", "off"]), .string("on"),
            "Sign mail that authenticated users submit with the active DKIM keys of its From domain (hato dkim keygen), and ARC-seal what aliases forward outside with the alias domain's RSA key (docs/arc.md)."),
        key("dkim.signature_lifetime", .duration, .int(0),
            "x= on Hato's DKIM signatures: seconds after signing they expire; 0 means no x= (RFC 6376 §3.5)."),
        key("dkim.max_signatures", .integer(min: 1, max: 50), .int(10),
            "DKIM-Signature fields verified per inbound message, from the top; the rest are ignored."),
        key("dkim.clock_skew", .duration, .int(300),
            "Tolerance for DKIM t= in the future and x= in the past."),
        key("dmarc.reject", .choice(["reject", "quarantine", "none"]), .string("reject"),
            "A message failing DMARC under p=reject on the smtp listener: refuse it with 550 5.7.1, deliver it to Junk, or deliver it."),
        key("dmarc.quarantine", .choice(["quarantine", "none"]), .string("quarantine"),
            "A message failing DMARC under p=quarantine: deliver it to the Junk mailbox marked $Junk, or deliver it as usual."),
        key("dmarc.temperror", .choice(["accept", "defer"]), .string("accept"),
            "DNS trouble during the DMARC check: accept the message, or defer it with 451 4.4.3."),
        key("dmarc.trusted_forwarders", .stringList, .list([]),
            "Forwarders exempt from DMARC reject/quarantine: client addresses or networks (\"192.0.2.0/24\") and domains matched against the SPF MAIL FROM domain and DKIM d=."),
        key("dmarc.trusted_arc_sealers", .stringList, .list([]),
            "Domains whose passing ARC chain (newest seal) exempts a message failing DMARC, e.g. mailing lists that modify messages."),
        key("dmarc.record", .choice(["on", "off"]), .string("on"),
            "Keep every DMARC evaluation in the store for RFC 9990 aggregate reports."),
        key("http.max_request_body", .size, .int(65536),
            "Largest HTTP request body read (Autodiscover's POST); larger ones get 413 and the connection closes."),
        key("http.max_header_size", .size, .int(16384),
            "Largest HTTP request header section (and single field); larger ones get 400 and the connection closes."),
        key("http.max_header_fields", .integer(min: 8, max: 10_000), .int(100), "Most header fields in one HTTP request."),
        key("http.idle_timeout", .duration, .int(30),
            "An HTTP connection with no request in progress for this long is closed; a request head must arrive within it."),
        key("http.request_timeout", .duration, .int(30),
            "Time allowed to receive an HTTP request body once its head arrived; slower clients get 408."),
        key("mta_sts.mode", .choice(["testing", "enforce", "none"]), .string("testing"),
            "The MTA-STS policy mode served at mta-sts.<domain> (RFC 8461 §5): testing first, enforce once TLS-RPT reports are clean."),
        key("mta_sts.max_age", .duration, .int(604_800),
            "How long senders may cache the MTA-STS policy (RFC 8461 §3.2: at most 31557600 seconds)."),
        key("mta_sts.mx", .stringList, nil,
            "MX host patterns in the MTA-STS policy (\"mail.example.com\", \"*.example.net\"). Unset: hostname."),
        key("acme.email", .string, nil,
            "Contact address of the ACME account. Set, hato serve gets and renews certificates for acme.hostnames from acme.directory (docs/acme.md)."),
        key("acme.directory", .string, .string("https://acme-v02.api.letsencrypt.org/directory"),
            "ACME directory URL of the CA (Let's Encrypt production by default; staging: https://acme-staging-v02.api.letsencrypt.org/directory)."),
        key("acme.challenge", .choice(["tls-alpn-01", "http-01"]), .string("tls-alpn-01"),
            "How the CA checks the names: tls-alpn-01 (RFC 8737) on the HTTPS/implicit-TLS listener reached on 443, or http-01 on the HTTP listener reached on 80 (behind a proxy)."),
        key("acme.hostnames", .stringList, nil,
            "Names on the certificate, the first also its CN. Unset: the server hostname."),
        key("acme.rotate_key", .boolean, .bool(false),
            "New private key at each renewal. false: the key is kept, so a TLSA 3 1 1 record stays valid."),
        key("acme.ca_file", .path, nil,
            "PEM certificates trusted for the ACME server's own HTTPS instead of the system roots (a private or test CA such as pebble)."),
        key("acme.retry_initial", .duration, .int(600),
            "Wait after a failed certificate attempt; doubles after each further failure."),
        key("acme.retry_max_interval", .duration, .int(21_600),
            "Longest wait between two failed certificate attempts."),
        key("log.level", .logLevel, .string("info"), "Least severe log level written to standard error."),
        key("server.user", .string, nil,
            "User hato serve switches to after binding its listeners when started as root. Unset: a root start with privileged ports or public addresses is refused."),
        key("server.group", .string, nil,
            "Group for server.user. Unset: that user's primary group (supplementary groups come from /etc/group either way)."),
        key("server.public_ips", .stringList, .list([]),
            "This server's public IPv4 and IPv6 addresses, for the A/AAAA, SPF, MX and reverse-DNS checks of hato check dns (hato quickstart writes them)."),
    ] + riskKeys + spamKeys + smimeKeys + openPGPKeys + openPGPLookupKeys + tlsReportKeys
        + milterKeys
        + sieveKeys
        + storeKeys
        + dashboardKeys

    public static func key(_ path: String) -> ConfigKey? { keys.first { $0.path == path } }
    public static var sections: [String] {
        var seen: [String] = []
        for key in keys { if let section = key.section, !seen.contains(section) { seen.append(section) } }
        return seen
    }
}

/// A configuration value after parsing, before it is turned into typed settings.
public enum ConfigValue: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case int(Int)
    case bool(Bool)
    case list([String])
    /// An array of tables of strings, e.g. `[[tls.certificates]]`.
    case tables([[String: String]])

    public var description: String {
        switch self {
        case .string(let s): Self.quote(s)
        case .int(let i): String(i)
        case .bool(let b): String(b)
        case .list(let items): "[" + items.map(Self.quote).joined(separator: ", ") + "]"
        case .tables(let entries):
            "[" + entries.map { entry in
                "{ " + entry.keys.sorted().map { "\($0) = \(Self.quote(entry[$0]!))" }.joined(separator: ", ") + " }"
            }.joined(separator: ", ") + "]"
        }
    }

    static func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
