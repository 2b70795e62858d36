// The production `hato.toml` that `hato quickstart` writes: every listener on its standard
// port, the data directory, the user to run as, the public addresses, ACME, each key with a
// comment saying what it does. A key this build does not know yet is written commented out,
// so the file always passes `hato config check` and the key comes alive with the build that
// knows it.

import DNSMessage
import Foundation

public struct QuickstartConfigFile: Sendable {
    public var hostname: String
    public var dataDirectory: String
    public var user: String
    public var publicIPs: [IPAddress]
    /// The ACME account contact (the operator's address).
    public var contact: String
    public var written: Date
    /// The mail domain quickstart set up: its report aliases are where reports are read.
    public var domain: String

    public init(hostname: String, dataDirectory: String, user: String, publicIPs: [IPAddress], contact: String, written: Date = Date(),
                domain: String? = nil) {
        self.domain = domain ?? String(contact[contact.index(after: contact.lastIndex(of: "@") ?? contact.startIndex)...])
        self.hostname = hostname
        self.dataDirectory = dataDirectory
        self.user = user
        self.publicIPs = publicIPs
        self.contact = contact
        self.written = written
    }

    struct Entry {
        var key: String
        var value: String
        var comment: String
    }

    struct Section {
        var name: String?
        var comment: String
        var entries: [Entry]
    }

    /// Listener addresses on `port`: IPv4 everywhere, IPv6 too when the server has a public one.
    func everywhere(_ port: Int) -> String {
        var addresses = ["\"0.0.0.0:\(port)\""]
        if publicIPs.contains(where: { if case .v6 = $0 { true } else { false } }) { addresses.append("\"[::]:\(port)\"") }
        return "[" + addresses.joined(separator: ", ") + "]"
    }

    var sections: [Section] {
        let quote = ConfigValue.quote
        return [
            Section(name: nil, comment: "", entries: [
                Entry(key: "hostname", value: quote(hostname),
                      comment: "The name in the SMTP banner, EHLO and Received fields; the MX record and the certificate carry it too."),
                Entry(key: "data_dir", value: quote(dataDirectory),
                      comment: "Database, message files, keys and certificates. Back up this whole directory."),
            ]),
            Section(name: "server", comment: "How hato serve runs on this machine (docs/deployment.md).", entries: [
                Entry(key: "user", value: quote(user),
                      comment: "Started as root, hato serve binds its ports and then runs as this user. The systemd unit starts it as this user directly, with CAP_NET_BIND_SERVICE."),
                Entry(key: "public_ips", value: "[" + publicIPs.map { quote($0.description) }.joined(separator: ", ") + "]",
                      comment: "Where the world reaches this server; hato check dns checks MX, A/AAAA, SPF and reverse DNS against these."),
            ]),
            Section(name: "listen", comment: "Every listener on its standard port. A listener left out is not started.", entries: [
                Entry(key: "smtp", value: everywhere(25), comment: "Mail from other servers (RFC 5321). Some providers block port 25 until asked."),
                Entry(key: "submission", value: everywhere(587), comment: "Mail clients sending, STARTTLS then login (RFC 6409)."),
                Entry(key: "submissions", value: everywhere(465), comment: "Mail clients sending over implicit TLS (RFC 8314), preferred."),
                Entry(key: "imap", value: everywhere(143), comment: "IMAP with STARTTLS."),
                Entry(key: "imaps", value: everywhere(993), comment: "IMAP over implicit TLS (RFC 8314), preferred."),
                Entry(key: "pop3", value: everywhere(110), comment: "POP3 with STLS."),
                Entry(key: "pop3s", value: everywhere(995), comment: "POP3 over implicit TLS."),
                Entry(key: "managesieve", value: everywhere(4190), comment: "ManageSieve (RFC 5804) with STARTTLS: mail clients edit Sieve filters."),
                Entry(key: "http", value: everywhere(80),
                      comment: "HTTP: ACME http-01 challenges, the MTA-STS policy, client autoconfiguration."),
                Entry(key: "https", value: everywhere(443),
                      comment: "HTTPS: the same over TLS, and ACME tls-alpn-01 (RFC 8737)."),
                Entry(key: "admin", value: "[\"127.0.0.1:8080\"]", comment: "/healthz and /metrics (Prometheus), loopback only."),
            ]),
            Section(name: "acme", comment: "Certificates from an ACME CA (RFC 8555) for the host names, renewed by hato serve.", entries: [
                Entry(key: "directory", value: quote("https://acme-v02.api.letsencrypt.org/directory"),
                      comment: "Let's Encrypt production; its staging directory is https://acme-staging-v02.api.letsencrypt.org/directory."),
                Entry(key: "email", value: quote(contact), comment: "The CA writes here about expiring certificates and account problems."),
                Entry(key: "challenge", value: quote("tls-alpn-01"),
                      comment: "tls-alpn-01 answers on 443; http-01 on 80 (use it behind a web server)."),
            ]),
            // The rua= addresses of the DMARC and TLS-RPT records quickstart prints: reports
            // others send about this domain are read there (and still delivered to the alias).
            Section(name: "dmarc", comment: "DMARC reports (docs/dmarc-reports.md).", entries: [
                Entry(key: "report_addresses", value: "[" + quote("dmarc-reports@\(domain)") + "]",
                      comment: "Aggregate reports about your domain (the rua= of its _dmarc record) are read here, for hato report list and the dashboard."),
            ]),
            Section(name: "tls_reports", comment: "TLS reports (docs/transport-security.md#tls-rpt).", entries: [
                Entry(key: "report_addresses", value: "[" + quote("tls-reports@\(domain)") + "]",
                      comment: "TLS reports about your domain (the rua= of its _smtp._tls record) are read here, for hato report list --tls."),
            ]),
        ]
    }

    /// The file text. `known` says whether this build's loader knows a key (`ConfigSchema`).
    public func render(known: (String) -> Bool = { ConfigSchema.key($0) != nil }) -> String {
        let formatter = ISO8601DateFormatter()
        var lines = [
            "# hato.toml written by `hato quickstart` on \(formatter.string(from: written)).",
            "# Every key is explained in docs/configuration.md. Check the file with: hato config check --config THIS_FILE",
        ]
        for section in sections {
            let live = section.entries.filter { known(path(section, $0)) }
            let absent = section.name != nil && live.isEmpty
            lines.append("")
            if !section.comment.isEmpty { lines.append("# " + section.comment) }
            if absent {
                lines.append("# This build of hato does not know [\(section.name!)] yet; uncomment it with a build that does.")
            }
            if let name = section.name { lines.append((absent ? "# " : "") + "[\(name)]") }
            for entry in section.entries {
                lines.append("# " + entry.comment)
                let line = "\(entry.key) = \(entry.value)"
                if known(path(section, entry)) {
                    lines.append(line)
                } else {
                    if !absent { lines.append("# (not known to this build of hato yet: uncomment it with a build that knows it)") }
                    lines.append("# " + line)
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func path(_ section: Section, _ entry: Entry) -> String {
        section.name.map { "\($0).\(entry.key)" } ?? entry.key
    }
}
