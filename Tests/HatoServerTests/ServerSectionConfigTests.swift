import DNSMessage
import Foundation
import HatoServer
import HatoTesting
import Testing

/// `[server]`: the user to drop to, its group, and the public addresses `hato check dns` checks.
@Suite struct ServerSectionConfigTests {
    let directory = try! TemporaryDirectory(prefix: "hato-server-config")

    func load(_ text: String) throws -> HatoConfig {
        let path = directory.url.appendingPathComponent("hato.toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try ConfigLoader.load(file: path, environment: [:]).settings
    }

    func error(_ text: String) -> String {
        do { _ = try load(text) } catch { return "\(error)" }
        return "no error"
    }

    @Test func readsUserGroupAndPublicAddresses() throws {
        let settings = try load("""
            [server]
            user = "hato"
            group = "mail"
            public_ips = ["203.0.113.5", "2001:db8::5", "203.0.113.5"]
            """)
        #expect(settings.server.user == "hato")
        #expect(settings.server.group == "mail")
        #expect(settings.server.publicIPs == [IPAddress("203.0.113.5")!, IPAddress("2001:db8::5")!], "duplicates dropped")
        #expect(try load("").server == HatoConfig.Server())
    }

    @Test func refusesWhatCannotWork() {
        #expect(error("[server]\npublic_ips = [\"mail.example.com\"]\n")
            .contains("hato.toml:2: server.public_ips: \"mail.example.com\" is not an IPv4 or IPv6 address"))
        #expect(error("[server]\nuser = \"root\"\n").contains("server.user: must be an unprivileged user, not root"))
        #expect(error("[server]\ngroup = \"mail\"\n").contains("server.group: set server.user too"))
    }

    @Test func onlyARootStartOfAProductionConfigurationNeedsAUser() throws {
        let production = try load("[listen]\nsmtp = [\"0.0.0.0:25\"]\nimap = [\"127.0.0.1:143\"]\nimaps = [\"127.0.0.1:10993\"]\n")
        #expect(try PrivilegeDrop.prepare(production, euid: 1000) == nil, "an unprivileged start has nothing to drop")
        do {
            _ = try PrivilegeDrop.prepare(production, euid: 0)
            Issue.record("a root start without server.user was accepted")
        } catch {
            #expect("\(error)".hasPrefix("refusing to serve imap on 127.0.0.1:143, smtp on 0.0.0.0:25 as root: set [server] user"))
        }
        let development = try ConfigLoader.load(file: nil, environment: [:]).settings
        #expect(try PrivilegeDrop.prepare(development, euid: 0) == nil, "loopback on high ports keeps running as root")
        let missing = try load("[listen]\nsmtp = [\"0.0.0.0:25\"]\n[server]\nuser = \"no-such-user-here\"\n")
        #expect(throws: PrivilegeDrop.Refusal.self) { try PrivilegeDrop.prepare(missing, euid: 0) }
    }
}
