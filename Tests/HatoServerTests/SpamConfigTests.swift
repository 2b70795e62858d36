import DNSMessage
import Foundation
import HatoServer
import HatoTesting
import Reception
import Testing

/// `[spam]`, `[greylist]`, `[rate]`, `[[smtp.rules]]`: off by default, typed, precise errors.
@Suite struct SpamConfigTests {
    let directory = try! TemporaryDirectory(prefix: "hato-spam-config")

    func load(_ text: String) throws -> HatoConfig {
        let path = directory.url.appendingPathComponent("hato.toml").path
        try ("data_dir = \"data\"\n" + text).write(toFile: path, atomically: true, encoding: .utf8)
        return try ConfigLoader.load(file: path, environment: [:]).settings
    }

    func errors(_ text: String) throws -> [String] {
        do { _ = try load(text) } catch let error as ConfigErrors { return error.errors.map(\.description) }
        Issue.record("expected configuration errors")
        return []
    }

    /// No public list is queried, nothing greylisted or limited, unless configured.
    @Test func everythingIsOffByDefault() throws {
        let spam = try load("").spam
        #expect(spam.blocklists.isEmpty && spam.allowlists.isEmpty && spam.uriBlocklists.isEmpty && !spam.usesDNSLists)
        #expect(spam.greylist == nil && !spam.limitsRate && spam.rules.rules.isEmpty)
        #expect(spam.rejectAt == .rcpt && spam.dnsError == .skip && spam.uriMaxDomains == 20)
    }

    @Test func everyKeyIsTyped() throws {
        let spam = try load("""
            [spam]
            dnsbl_reject_at = "connect"
            dns_error = "defer"
            uribl_max_domains = 5

            [[spam.dnsbl]]
            zone = "zen.example.org"
            weight = 6
            action = "reject"
            codes = "127.0.0.2=sbl, 127.0.0.4=xbl:3.5"

            [[spam.dnsbl]]
            zone = "bl.example.net"

            [[spam.dnswl]]
            zone = "list.dnswl.example"
            weight = 1.5

            [[spam.uribl]]
            zone = "multi.uribl.example"
            action = "reject"

            [greylist]
            enabled = "on"
            delay = "2m"
            retry_window = "1d"
            record_lifetime = "30d"
            at = "data"
            ipv4_prefix = 32
            ipv6_prefix = 56
            auto_whitelist_passes = 0

            [rate]
            connections_per_minute = 30
            messages_per_hour = 200
            recipients_per_hour = 500
            recipients_per = "address"
            ipv4_prefix = 24
            ipv6_prefix = 48
            max_tracked = 5000

            [[smtp.rules]]
            cidr = "192.0.2.10"
            action = "allow"

            [[smtp.rules]]
            cidr = "203.0.113.0/24"
            action = "deny"

            [[smtp.rules]]
            cidr = "2001:db8::/32"
            action = "require-tls"
            """).spam
        #expect(spam.rejectAt == .connect && spam.dnsError == .defer && spam.uriMaxDomains == 5)
        #expect(spam.blocklists.map(\.name) == ["zen.example.org", "bl.example.net"])
        let zen = try #require(spam.blocklists.first)
        #expect(zen.weight == 6 && zen.action == .reject && zen.kind == .dnsbl)
        #expect(zen.codes[IPv4Address("127.0.0.4")!] == BlocklistZone.Code(meaning: "xbl", weight: 3.5))
        #expect(spam.blocklists[1].weight == 4 && spam.blocklists[1].action == .score && spam.blocklists[1].codes.isEmpty)
        #expect(spam.allowlists.first?.weight == 1.5 && spam.allowlists.first?.kind == .dnswl)
        #expect(spam.uriBlocklists.first?.action == .reject && spam.uriBlocklists.first?.kind == .uribl)
        let greylist = try #require(spam.greylist)
        #expect(greylist.delay == 120 && greylist.retryWindow == 86_400 && greylist.recordLifetime == 2_592_000)
        #expect(greylist.phase == .data && greylist.ipv4Prefix == 32 && greylist.ipv6Prefix == 56 && greylist.autoWhitelistPasses == 0)
        #expect(spam.rate.connectionsPerMinute == 30 && spam.rate.messagesPerHour == 200 && spam.rate.recipientsPerHour == 500)
        #expect(spam.rate.recipientKey == .address && spam.rate.ipv4Prefix == 24 && spam.rate.ipv6Prefix == 48 && spam.rateMaxTracked == 5000)
        #expect(spam.rules.rules.map(\.action) == [.allow, .deny, .requireTLS])
        #expect(spam.rules.rules.map(\.network.description) == ["192.0.2.10/32", "203.0.113.0/24", "2001:db8::/32"])
        #expect(spam.rate.rules.rules.count == 3, "allow networks skip the rate limits too")
    }

    @Test func badValuesAreNamed() throws {
        #expect(try errors("[[smtp.rules]]\ncidr = \"203.0.113.0/33\"\naction = \"deny\"\n").contains { $0.contains("smtp.rules") && $0.contains("203.0.113.0/33") })
        #expect(try errors("[[smtp.rules]]\ncidr = \"203.0.113.0/24\"\naction = \"block\"\n").contains { $0.contains("allow, deny, require-tls") })
        #expect(try errors("[[smtp.rules]]\ncidr = \"203.0.113.0/24\"\n").contains { $0.contains("action is missing") })
        #expect(try errors("[[spam.dnsbl]]\nzone = \"bl.example\"\nweight = 500\n").contains { $0.contains("weight") })
        #expect(try errors("[[spam.dnsbl]]\nzone = \"bl.example\"\naction = \"drop\"\n").contains { $0.contains("score or reject") })
        #expect(try errors("[[spam.dnsbl]]\nzone = \"bl.example\"\ncodes = \"10.0.0.1=x\"\n").contains { $0.contains("codes") })
        #expect(try errors("[[spam.dnsbl]]\nweight = 4\n").contains { $0.contains("zone is missing") })
        #expect(try errors("[[spam.dnsbl]]\nzone = \"bl.example\"\nlist = \"x\"\n").contains { $0.contains("unknown key \"list\"") })
        #expect(try errors("[greylist]\nenabled = \"on\"\ndelay = \"3d\"\n").contains { $0.contains("greylist.delay") })
        #expect(try errors("[rate]\nconnections_per_minute = -1\n").contains { $0.contains("rate.connections_per_minute") })
        #expect(try errors("[greylist]\nipv4_prefix = 4\n").contains { $0.contains("greylist.ipv4_prefix") })
    }
}
