import Foundation
@testable import HatoServer
import HTTPService
import HatoTesting
import Testing

/// `[http]`, `[mta_sts]` and the client settings the documents are built from.
@Suite struct HTTPConfigTests {
    let directory = try! TemporaryDirectory(prefix: "hato-http-config")

    func load(_ text: String) throws -> HatoConfig {
        let path = directory.url.appendingPathComponent("hato.toml").path
        try ("hostname = \"mail.example.test\"\ndata_dir = \"data\"\n" + text).write(toFile: path, atomically: true, encoding: .utf8)
        return try ConfigLoader.load(file: path, environment: [:]).settings
    }

    func messages(_ text: String) throws -> [String] {
        do { _ = try load(text) } catch let error as ConfigErrors { return error.errors.map { "\($0)" } }
        return []
    }

    @Test func defaultsAndOverrides() throws {
        let defaults = try load("").http
        #expect(defaults.mtaSTS.text == "version: STSv1\r\nmode: testing\r\nmx: mail.example.test\r\nmax_age: 604800\r\n")
        #expect(defaults.limits.maxRequestBody == 65536 && defaults.limits.maxHeaderSize == 16384 && defaults.limits.idleTimeout == .seconds(30))
        let set = try load("""
            [http]
            max_request_body = "8K"
            request_timeout = "10s"
            [mta_sts]
            mode = "enforce"
            max_age = "14d"
            mx = ["mx1.example.test", "*.backup.example.test", "BÜCHER.example.test"]
            """).http
        #expect(set.limits.maxRequestBody == 8192 && set.limits.requestTimeout == .seconds(10))
        #expect(set.mtaSTS.text == "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\nmx: *.backup.example.test\r\nmx: xn--bcher-kva.example.test\r\nmax_age: 1209600\r\n")
    }

    /// `[dashboard]` (docs/dashboard.md).
    @Test func dashboardKeys() throws {
        let defaults = try load("").dashboard
        #expect(defaults.enabled && defaults.limits == DashboardLimits())
        let set = try load("""
            [dashboard]
            enabled = "off"
            max_sessions = 3
            session_lifetime = "1h"
            days = 7
            max_reports = 10
            max_sources = 20
            """).dashboard
        #expect(!set.enabled && set.limits.maxSessions == 3 && set.limits.sessionLifetime == .seconds(3600))
        #expect(set.limits.days == 7 && set.limits.maxReports == 10 && set.limits.maxSources == 20)
        #expect(try messages("[dashboard]\nsession_lifetime = 59\n").contains { $0.contains("dashboard.session_lifetime") })
        #expect(try messages("[dashboard]\ndays = 400\n").contains { $0.contains("dashboard.days") })
    }

    @Test func badValuesNameTheirKey() throws {
        #expect(try messages("[mta_sts]\nmax_age = 31557601\n").contains { $0.contains("mta_sts.max_age") && $0.contains("31557600") })
        #expect(try messages("[mta_sts]\nmx = [\"not a host\"]\n").contains { $0.contains("mta_sts.mx") })
        #expect(try messages("[mta_sts]\nmx = []\n").contains { $0.contains("mta_sts.mx") })
        #expect(try messages("[mta_sts]\nmode = \"none\"\nmx = []\n").isEmpty)
        #expect(try messages("[mta_sts]\nmode = \"strict\"\n").contains { $0.contains("mta_sts.mode") })
        #expect(try messages("[http]\nmax_header_size = 100\n").contains { $0.contains("http.max_header_size") })
        #expect(try messages("[listen]\nadmin = \"127.0.0.1:9925\"\n").contains { $0.contains("listen.admin") })
    }

    /// Every bound client port is described once; port 25 never is; submission's login kind
    /// follows `auth.mechanisms`.
    @Test func clientSettingsFollowTheBoundListeners() throws {
        let settings = try load("")
        let bound = ["smtp": [25], "imaps": [993, 993], "imap": [143], "submissions": [465], "submission": [587], "pop3": [110], "http": [80]]
        let described = HTTPSetup.clientSettings(settings, bound: bound)
        #expect(described.endpoints.map { "\($0.service.rawValue) \($0.port) \($0.security.rawValue) \($0.authentication.rawValue)" } == [
            "imap 993 implicitTLS passwordCleartext", "imap 143 startTLS passwordCleartext", "pop3 110 startTLS passwordCleartext",
            "submission 465 implicitTLS passwordCleartext", "submission 587 startTLS passwordCleartext",
        ])
        #expect(described.endpoints.allSatisfy { $0.hostname == "mail.example.test" })
        let scramOnly = try load("[auth]\nmechanisms = [\"SCRAM-SHA-256\"]\n")
        #expect(HTTPSetup.clientSettings(scramOnly, bound: bound).outgoing.map(\.authentication) == [.passwordEncrypted, .passwordEncrypted])
        #expect(HTTPSetup.clientSettings(scramOnly, bound: bound).incoming.map(\.authentication) == [.passwordCleartext, .passwordCleartext, .passwordCleartext])
    }
}
