// The DNS records a mail domain served by this Hato needs: the one list that `hato quickstart`
// prints and `hato check dns` checks, so the two can never disagree.

import DNSMessage
import Foundation
import MailCore

public struct DomainRecordPlan: Sendable {
    /// What a record is for; `hato check dns` judges each purpose its own way.
    public enum Purpose: String, Sendable, CaseIterable {
        case mx
        /// A/AAAA of the mail host name (MX target, HELO name, certificate name).
        case hostAddress = "host-address"
        case spf
        /// SPF for the HELO identity (RFC 7208 §2.3).
        case heloSPF = "helo-spf"
        case dkim
        case dmarc
        case mtaSTS = "mta-sts"
        /// A/AAAA of `mta-sts.DOMAIN`, where the policy is served over HTTPS (RFC 8461 §3.2).
        case mtaSTSHost = "mta-sts-host"
        case tlsReporting = "tls-rpt"
        case srv
        case autoconfig
        case autodiscover
        case caa
        /// `_25._tcp.<host> TLSA 3 1 1` for the served certificate's key (RFC 7672 §3.1.1, DANE-EE).
        case tlsa
        /// An account's OpenPGP certificate (RFC 7929) or S/MIME certificate (RFC 8162), from
        /// `hato pgp dns` / `hato smime dns`: only accounts that have one.
        case openpgpkey
        case smimea
        case ptr
    }

    /// Who publishes a record: the operator in the domain's zone, or the provider of the address
    /// (reverse DNS, which only the owner of the address block can set).
    public enum Publisher: String, Sendable { case zone, provider }

    public struct Record: Sendable, Hashable {
        public var purpose: Purpose
        public var name: DNSName
        public var ttl: UInt32
        public var data: DNSRecordData
        public var publisher: Publisher
        /// One line: why the record is there.
        public var note: String

        public var type: DNSRecordType { data.type }
        /// The record in master-file form (RFC 1035 §5.1), absolute names.
        public var zoneLine: String { "\(name) \(ttl) IN \(type) \(data)" }
        public var resourceRecord: DNSResourceRecord { DNSResourceRecord(name: name, ttl: ttl, data: data) }
    }

    /// A DKIM key as published: its selector and its `v=DKIM1; k=...; p=...` text.
    public struct DKIMKey: Sendable, Hashable {
        public var selector: String
        public var record: String
        public init(selector: String, record: String) {
            self.selector = selector
            self.record = record
        }
    }

    /// Everything the records depend on.
    public struct Input: Sendable {
        public var domain: Domain
        public var hostname: String
        public var publicIPs: [IPAddress]
        public var dkimKeys: [DKIMKey]
        /// The port of each listener kind the world uses (for the SRV records).
        public var ports: [HatoConfig.ListenerKind: Int]
        /// The CA allowed to issue for the domain (CAA `issue`, RFC 8659); nil: no CAA record.
        public var caaIssuer: String?
        /// The MTA-STS policy id (RFC 8461 §3.1: 1 to 32 letters and digits).
        public var mtaSTSID: String
        /// SHA-256 of the served certificate's SubjectPublicKeyInfo (TLSA 3 1 1); nil while there is
        /// no certificate yet (ACME before its first issue).
        public var tlsaSPKIDigest: [UInt8]?
        /// Accounts' OPENPGPKEY and SMIMEA records (`DomainRecordPlan.mailboxKeys`).
        public var mailboxKeys: [MailboxKeyRecord] = []

        public init(domain: Domain, hostname: String, publicIPs: [IPAddress], dkimKeys: [DKIMKey],
                    ports: [HatoConfig.ListenerKind: Int], caaIssuer: String?, mtaSTSID: String) {
            self.domain = domain
            self.hostname = hostname
            self.publicIPs = publicIPs
            self.dkimKeys = dkimKeys
            self.ports = ports
            self.caaIssuer = caaIssuer
            self.mtaSTSID = mtaSTSID
        }
    }

    public let input: Input
    public let domain: DNSName
    public let hostname: DNSName
    public let records: [Record]

    /// The local parts that get aliases to the first account, and where reports go.
    public static let aliasLocalParts = ["postmaster", "abuse", "dmarc-reports", "tls-reports"]
    public static let ttl: UInt32 = 3600

    public init(_ input: Input) throws {
        self.input = input
        let domain = try DNSName(input.domain.name)
        let host = try DNSName(input.hostname)
        self.domain = domain
        self.hostname = host
        var records: [Record] = []
        func add(_ purpose: Purpose, _ name: DNSName, _ data: DNSRecordData, _ note: String, _ publisher: Publisher = .zone) {
            records.append(Record(purpose: purpose, name: name, ttl: Self.ttl, data: data, publisher: publisher, note: note))
        }
        func addresses(_ purpose: Purpose, _ name: DNSName, _ note: String) {
            for ip in input.publicIPs {
                switch ip {
                case .v4(let v4): add(purpose, name, .a(v4), note)
                case .v6(let v6): add(purpose, name, .aaaa(v6), note)
                }
            }
        }
        let sub = { (label: String) in try DNSName(label + "." + input.domain.name) }

        add(.mx, domain, .mx(preference: 10, exchange: host), "mail for \(input.domain) goes to \(host) (RFC 5321 §5.1)")
        addresses(.hostAddress, host, "the mail host's address")
        // ip4:/ip6: rather than "mx": SPF stays right even while the MX record is being changed,
        // and costs receivers no DNS lookup (RFC 7208 §4.6.4 counts them).
        let mechanisms = input.publicIPs.map { ip -> String in
            if case .v4 = ip { "ip4:\(ip)" } else { "ip6:\(ip)" }
        }
        add(.spf, domain, Self.txt("v=spf1 " + (mechanisms.isEmpty ? ["mx"] : mechanisms).joined(separator: " ") + " -all"),
            "only this server sends mail for \(input.domain) (RFC 7208)")
        if host != domain {
            add(.heloSPF, host, Self.txt("v=spf1 a -all"), "the HELO name is checked too (RFC 7208 §2.3)")
        }
        for key in input.dkimKeys {
            add(.dkim, try DNSName("\(key.selector)._domainkey.\(input.domain.name)"), Self.txt(key.record),
                "DKIM key \(key.selector) (RFC 6376 §3.6.2)")
        }
        add(.dmarc, try sub("_dmarc"), Self.txt("v=DMARC1; p=none; rua=mailto:dmarc-reports@\(input.domain.name)"),
            "DMARC (RFC 7489): p=none while you read the reports; then p=quarantine, then p=reject")
        add(.mtaSTS, try sub("_mta-sts"), Self.txt("v=STSv1; id=\(input.mtaSTSID)"),
            "MTA-STS (RFC 8461): change the id whenever the policy changes")
        addresses(.mtaSTSHost, try sub("mta-sts"), "serves the MTA-STS policy over HTTPS (RFC 8461 §3.2)")
        add(.tlsReporting, try sub("_smtp._tls"), Self.txt("v=TLSRPTv1; rua=mailto:tls-reports@\(input.domain.name)"),
            "SMTP TLS reports (RFC 8460)")
        // RFC 6186 §3.4 and RFC 8314 §5.1: implicit TLS preferred (lower priority value).
        let services: [(String, HatoConfig.ListenerKind, UInt16)] = [
            ("_submissions._tcp", .submissions, 0), ("_submission._tcp", .submission, 10),
            ("_imaps._tcp", .imaps, 0), ("_imap._tcp", .imap, 10), ("_pop3s._tcp", .pop3s, 20),
        ]
        for (label, kind, priority) in services {
            guard let port = input.ports[kind] else { continue }
            add(.srv, try sub(label), .srv(priority: priority, weight: 1, port: UInt16(port), target: host),
                "mail clients find the servers for submission, IMAP and POP3 (RFC 6186; implicit TLS first, RFC 8314 §5.1)")
        }
        addresses(.autoconfig, try sub("autoconfig"), "Thunderbird autoconfig")
        addresses(.autodiscover, try sub("autodiscover"), "Outlook Autodiscover")
        if let issuer = input.caaIssuer {
            add(.caa, domain, .caa(flags: 0, tag: "issue", value: Array(issuer.utf8)),
                "only \(issuer) may issue certificates for \(input.domain) (RFC 8659)")
        }
        if let digest = input.tlsaSPKIDigest {
            // RFC 7671 §8.1: a new key's record is published next to this one before the switch.
            add(.tlsa, try DNSName("_25._tcp.\(input.hostname)"), .tlsa(usage: 3, selector: 1, matchingType: 1, data: digest),
                "DANE (RFC 7672): senders require TLS with this key; sign the zone (DNSSEC) or receivers ignore it")
        }
        for entry in input.mailboxKeys where entry.address.domain == input.domain {
            let openpgp = entry.record.data.type == OpenPGPKeyRecords.type
            add(openpgp ? .openpgpkey : .smimea, entry.record.name, entry.record.data,
                "\(entry.address.canonical)'s \(openpgp ? "OpenPGP certificate (RFC 7929)" : "S/MIME certificate (RFC 8162)") \(entry.fingerprint): senders believe it only from a DNSSEC-signed zone")
        }
        for ip in input.publicIPs {
            add(.ptr, ip.reverseName, .ptr(host), "reverse DNS: ask your provider (FCrDNS, RFC 8601 §3)", .provider)
        }
        self.records = records
    }

    /// TXT data, split into strings of at most 255 bytes (RFC 1035 §3.3.14; DKIM keys are longer,
    /// RFC 6376 §3.6.2.2 joins them without spaces).
    static func txt(_ text: String) -> DNSRecordData {
        let bytes = Array(text.utf8)
        return .txt(stride(from: 0, to: max(bytes.count, 1), by: 255).map { Array(bytes[$0..<min($0 + 255, bytes.count)]) })
    }

    /// The CA domain for CAA from the ACME directory URL (RFC 8659 §4.2 issuer names).
    public static func caaIssuer(acmeDirectory: String?) -> String? {
        guard let directory = acmeDirectory else { return "letsencrypt.org" }
        let host = URL(string: directory)?.host?.lowercased() ?? ""
        let known = ["letsencrypt.org": "letsencrypt.org", "zerossl.com": "sectigo.com", "buypass.com": "buypass.com",
                     "pki.goog": "pki.goog", "ssl.com": "ssl.com"]
        return known.first { host == $0.key || host.hasSuffix("." + $0.key) }?.value
    }

    /// The MTA-STS id for a policy written at `date`: its UTC time, digits only.
    public static func mtaSTSID(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMddHHmmss"
        return formatter.string(from: date)
    }
}
