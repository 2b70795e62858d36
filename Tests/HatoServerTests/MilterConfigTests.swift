import Foundation
import HatoServer
import HatoTesting
import MilterClient
import Reception
import Testing

/// `[[milter]]`: entries, defaults and refused values (docs/milter.md).
@Suite struct MilterConfigTests {
    let directory = try! TemporaryDirectory(prefix: "hato-config-milter")

    func load(_ text: String) throws -> LoadedConfig {
        let path = directory.url.appendingPathComponent("hato.toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try ConfigLoader.load(file: path, environment: [:])
    }

    func errors(_ text: String) throws -> [String] {
        do {
            _ = try load(text)
        } catch let error as ConfigErrors {
            return error.errors.map(\.description)
        }
        Issue.record("expected configuration errors")
        return []
    }

    @Test func entriesInOrderWithDefaults() throws {
        let filters = try load("""
            [[milter]]
            name = "rspamd"
            socket = "inet:127.0.0.1:11332"
            default_action = "accept"
            [[milter]]
            socket = "unix:/run/clamav/clamav-milter.ctl"
            listeners = "mx,submission"
            eom_timeout = "2m"
            max_packet_size = "2M"
            """).settings.milters.filters
        #expect(filters.map(\.name) == ["rspamd", "milter2"])
        #expect(filters[0].endpoint == .inet(host: "127.0.0.1", port: 11332))
        #expect(filters[0].defaultAction == .accept)
        #expect(filters[0].listeners == [.mx])
        #expect(filters[0].timeouts.endOfMessage == .seconds(300))
        #expect(filters[1].endpoint == .unix(path: "/run/clamav/clamav-milter.ctl"))
        #expect(filters[1].defaultAction == .tempfail)
        #expect(filters[1].listeners == [.mx, .submission])
        #expect(filters[1].timeouts.endOfMessage == .seconds(120))
        #expect(filters[1].limits.maxPacketSize == 2 << 20)
        #expect(try load("hostname = \"a.test\"\n").settings.milters.filters.isEmpty)
    }

    @Test func badEntriesAreRefused() throws {
        let cases = [
            ("[[milter]]\nname = \"x\"\n", "socket is missing"),
            ("[[milter]]\nsocket = \"tcp:1.2.3.4\"\n", "socket must be"),
            ("[[milter]]\nsocket = \"inet:host:0\"\n", "socket must be"),
            ("[[milter]]\nsocket = \"inet:h:1\"\ndefault_action = \"discard\"\n", "default_action"),
            ("[[milter]]\nsocket = \"inet:h:1\"\nlisteners = \"imap\"\n", "listeners"),
            ("[[milter]]\nsocket = \"inet:h:1\"\ncommand_timeout = \"0s\"\n", "command_timeout"),
            ("[[milter]]\nsocket = \"inet:h:1\"\nmax_packet_size = \"1K\"\n", "max_packet_size"),
            ("[[milter]]\nsocket = \"inet:h:1\"\ntimeout = \"1s\"\n", "unknown key"),
        ]
        for (text, expected) in cases {
            let found = try errors(text)
            #expect(found.contains { $0.contains(expected) }, "\(text): \(found)")
        }
    }
}
