import DNSMessage
import Foundation
import HatoServer
import HatoTesting
import MailCore
import Testing

/// The pieces of `hato quickstart` that need no process: the record plan, the selector names,
/// the configuration file and the unit.
@Suite struct DomainRecordPlanTests {
    func plan(host: String = "mail.example.com", ips: [String] = ["203.0.113.5"], caa: String? = "letsencrypt.org") throws -> DomainRecordPlan {
        try DomainRecordPlan(.init(domain: try Domain("example.com"), hostname: host, publicIPs: ips.compactMap(IPAddress.init),
                                   dkimKeys: [.init(selector: "s", record: "v=DKIM1; k=ed25519; p=AAAA")],
                                   ports: [.smtp: 25, .imaps: 993], caaIssuer: caa, mtaSTSID: "20260101000000"))
    }

    @Test func recordsFollowTheInput() throws {
        let lines = try plan().records.map(\.zoneLine)
        #expect(lines.contains("example.com. 3600 IN TXT \"v=spf1 ip4:203.0.113.5 -all\""))
        #expect(lines.contains("_imaps._tcp.example.com. 3600 IN SRV 0 1 993 mail.example.com."))
        #expect(!lines.contains { $0.contains("_submissions._tcp") }, "no SRV for a listener that is not configured")
        #expect(lines.contains("5.113.0.203.in-addr.arpa. 3600 IN PTR mail.example.com."))
        // The host is the domain: one SPF record there, no separate HELO record (two would be permerror).
        let apex = try plan(host: "example.com").records
        #expect(apex.filter { $0.data.joinedText?.hasPrefix("v=spf1") == true }.count == 1)
        #expect(try plan(ips: []).records.contains { $0.data.joinedText == "v=spf1 mx -all" })
        #expect(try !plan(caa: nil).records.contains { $0.purpose == .caa })
        // A long TXT (an RSA key) is split into 255-byte strings.
        let long = try DomainRecordPlan(.init(domain: try Domain("example.com"), hostname: "mail.example.com", publicIPs: [],
                                              dkimKeys: [.init(selector: "r", record: String(repeating: "k", count: 400))],
                                              ports: [:], caaIssuer: nil, mtaSTSID: "1"))
        guard case .txt(let strings) = long.records.first(where: { $0.purpose == .dkim })!.data else { Issue.record("not TXT"); return }
        #expect(strings.map(\.count) == [255, 145])
    }

    @Test func caaIssuerFromTheACMEDirectory() {
        #expect(DomainRecordPlan.caaIssuer(acmeDirectory: nil) == "letsencrypt.org")
        #expect(DomainRecordPlan.caaIssuer(acmeDirectory: "https://acme-staging-v02.api.letsencrypt.org/directory") == "letsencrypt.org")
        #expect(DomainRecordPlan.caaIssuer(acmeDirectory: "https://acme.zerossl.com/v2/DV90") == "sectigo.com")
        #expect(DomainRecordPlan.caaIssuer(acmeDirectory: "https://localhost:14000/dir") == nil, "an unknown CA: no CAA record")
    }

    @Test func datedSelectorsAreNeverReused() throws {
        let now = try #require(ISO8601DateFormatter().date(from: "2026-03-14T12:00:00Z"))
        #expect(DKIMKeyManager.datedSelector(taken: [], now: now) == "2026a")
        #expect(DKIMKeyManager.datedSelector(taken: ["2026a-rsa", "2025a"], now: now) == "2026b")
        #expect(DKIMKeyManager.datedSelector(taken: ["2026a", "2026b-ed25519"], now: now) == "2026c")
    }

    @Test func configFileWritesOnlyKeysTheLoaderKnows() throws {
        let file = QuickstartConfigFile(hostname: "mail.example.com", dataDirectory: "/var/lib/hato", user: "hato",
                                        publicIPs: [IPAddress("203.0.113.5")!], contact: "you@example.com")
        let directory = try TemporaryDirectory(prefix: "hato-qs-config")
        let path = directory.url.appendingPathComponent("hato.toml").path
        try file.render().write(toFile: path, atomically: true, encoding: .utf8)
        let settings = try ConfigLoader.load(file: path, environment: [:]).settings
        #expect(settings.listeners[.smtp]?.map(\.description) == ["0.0.0.0:25"], "IPv6 only with a public IPv6 address")
        #expect(settings.server.user == "hato")
        // Reports to the rua= aliases quickstart creates are read, not only delivered.
        #expect(settings.dmarcReports.reportAddresses == ["dmarc-reports@example.com"])
        #expect(settings.tlsReports.reportAddresses == ["tls-reports@example.com"])
        // A build that knows every key (the HTTP listener, ACME) gets them all uncommented.
        let full = file.render(known: { _ in true })
        #expect(full.contains("\nhttp = [\"0.0.0.0:80\"]\n") && full.contains("\n[acme]\n") && full.contains("\nchallenge = \"tls-alpn-01\"\n"))
        #expect(!full.contains("not known to this build"))
        let none = file.render(known: { !$0.hasPrefix("acme.") && !["listen.http", "listen.https", "listen.admin"].contains($0) })
        #expect(none.contains("\n# [acme]\n") && none.contains("\n# http = [\"0.0.0.0:80\"]\n"))
    }

    @Test func unitKeepsTheServerConfined() {
        let unit = SystemdUnit(executable: "/usr/local/bin/hato", configFile: "/etc/hato/hato.toml", dataDirectory: "/var/lib/hato", user: "hato")
        for line in ["Type=notify", "ExecStart=/usr/local/bin/hato serve --config /etc/hato/hato.toml", "User=hato",
                     "AmbientCapabilities=CAP_NET_BIND_SERVICE", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE", "NoNewPrivileges=yes",
                     "ProtectSystem=strict", "ReadWritePaths=/var/lib/hato", "StateDirectory=hato", "ProtectHome=yes"] {
            #expect(unit.text.contains("\n" + line + "\n"), "\(line)")
        }
        let home = SystemdUnit(executable: "/home/me/hato", configFile: "/srv/hato.toml", dataDirectory: "/srv/mail", user: "hato").text
        #expect(!home.contains("ProtectHome=yes") && !home.contains("StateDirectory="))
    }

    @Test func onlyGlobalAddressesAreProposed() {
        for text in ["10.1.2.3", "172.20.0.1", "192.168.1.1", "127.0.0.1", "169.254.1.1", "100.64.0.1", "::1", "fe80::1", "fd00::2", "2001:db8::1"] {
            #expect(!PublicAddresses.isGlobal(IPAddress(text)!), "\(text)")
        }
        for text in ["8.8.8.8", "172.32.0.1", "2a01:4f8::1"] { #expect(PublicAddresses.isGlobal(IPAddress(text)!), "\(text)") }
    }

    @Test func passwordsAreLongAndDifferent() {
        let passwords = (0..<50).map { _ in Quickstart.generatePassword() }
        #expect(Set(passwords).count == 50)
        #expect(passwords.allSatisfy { $0.count == 23 && $0.split(separator: "-").count == 4 })
    }
}

/// Which listeners `hato check tls` connects to, and how.
@Suite struct TLSProbeTargetTests {
    @Test func wildcardListenersAreReachedByTheHostName() throws {
        let directory = try TemporaryDirectory(prefix: "hato-tls-targets")
        let path = directory.url.appendingPathComponent("hato.toml").path
        try """
            hostname = "mail.example.com"
            [listen]
            smtp = ["0.0.0.0:25", "[::]:25"]
            imaps = ["192.0.2.7:993"]
            pop3 = ["127.0.0.1:110"]
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let settings = try ConfigLoader.load(file: path, environment: [:]).settings
        let targets = TLSProbe.targets(settings).map { "\($0.kind) \($0.address) \($0.start.rawValue) \($0.serverName)" }
        #expect(targets == ["smtp mail.example.com:25 smtp mail.example.com",
                            "imaps 192.0.2.7:993 implicit mail.example.com", "pop3 127.0.0.1:110 pop3 mail.example.com"])
        #expect(TLSProbe.targets(settings, connectHost: "127.0.0.1").allSatisfy { $0.host == "127.0.0.1" })
    }
}
