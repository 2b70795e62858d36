import Foundation
import HatoServer
import HatoTesting
import MailMessage
import Testing

@Suite struct ConfigTests {
    let directory = try! TemporaryDirectory(prefix: "hato-config")

    func write(_ text: String, name: String = "hato.toml") throws -> String {
        let path = directory.url.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func errors(_ text: String, environment: [String: String] = [:]) throws -> [ConfigError] {
        let path = try write(text)
        do {
            _ = try ConfigLoader.load(file: path, environment: environment)
        } catch let error as ConfigErrors {
            return error.errors
        }
        Issue.record("expected configuration errors")
        return []
    }

    /// The example from the foundation issue, verbatim.
    static let example = """
        hostname = "mail.example.test"          # used in banners and Received headers
        data_dir = "/var/lib/hato"              # SQLite database and message files
        [listen]                                 # each a list of "address:port"
        smtp = ["0.0.0.0:25"]
        submission = ["0.0.0.0:587"]
        submissions = ["0.0.0.0:465"]
        imap = ["0.0.0.0:143"]
        imaps = ["0.0.0.0:993"]
        pop3 = ["0.0.0.0:110"]
        pop3s = ["0.0.0.0:995"]
        [tls]
        cert = "/etc/hato/cert.pem"              # PEM chain
        key = "/etc/hato/key.pem"
        [limits]
        max_message_size = 52428800              # bytes; SMTP SIZE and IMAP APPEND
        max_line_length = 4096                   # command lines, all protocols
        max_recipients = 100
        max_connections_per_ip = 20
        command_timeout = "5m"                   # SMTP; IMAP/POP3 have their RFC minimums
        """

    @Test func readsTheDocumentedExample() throws {
        let loaded = try ConfigLoader.load(file: try write(Self.example), environment: [:])
        let config = loaded.settings
        #expect(config.hostname == "mail.example.test")
        #expect(config.dataDirectory.path == "/var/lib/hato")
        #expect(config.listeners[.smtp]?.map(\.description) == ["0.0.0.0:25"])
        #expect(config.listeners[.pop3s]?.first?.port == 995)
        #expect(config.tlsCertificate?.path == "/etc/hato/cert.pem")
        #expect(config.limits.maxMessageSize == 52_428_800)
        #expect(config.limits.commandTimeout == .seconds(300))
        #expect(!config.isDevelopment)
        #expect(loaded.values["limits.max_recipients"]?.source == .file(line: 17))
    }

    @Test func listenersLeftOutAreNotStarted() throws {
        let config = try ConfigLoader.load(file: try write("hostname = \"a.test\"\n[listen]\nimap = [\"127.0.0.1:0\"]\n"), environment: [:]).settings
        #expect(Array(config.listeners.keys) == [.imap])
    }

    @Test func unknownKeysAndWrongTypesNameTheirLines() throws {
        let found = try errors("""
            hostname = "a.test"
            [limits]
            max_message_size = "lots"
            max_size = 3

            [listen]
            smtp = ["0.0.0.0:25", "no-port"]
            [bogus]
            x = 1
            """)
        #expect(found.map(\.line) == [3, 4, 7, 8])
        #expect(found[0].message.contains("limits.max_message_size: expected size"))
        #expect(found[1].message.contains("unknown key \"max_size\" in [limits]"))
        #expect(found[2].message.contains("\"no-port\" is not an \"address:port\""))
        #expect(found[3].message.contains("unknown key \"bogus\" at the top level"))
        #expect(found.allSatisfy { $0.file?.hasSuffix("hato.toml") == true })
    }

    @Test func syntaxErrorsHaveLineAndColumn() throws {
        let found = try errors("hostname = \"a.test\"\n\n[limits\n")
        #expect(found.count == 1)
        #expect(found[0].line == 3)
        #expect(found[0].column != nil)
    }

    @Test func rangesAreChecked() throws {
        let found = try errors("[limits]\nmax_line_length = 100\n")
        #expect(found.first?.line == 2)
        #expect(found.first?.message.contains("outside 512") == true)
    }

    /// The session input budget defaults to two messages' worth and must hold one message and
    /// a read besides; the parser caps reach the message limits every parse uses.
    @Test func sessionInputBudgetAndParserCaps() throws {
        let defaults = try ConfigLoader.load(file: try write("[limits]\nmax_message_size = \"10M\"\n"), environment: [:]).settings.limits
        #expect(defaults.sessionInputBudget == 20 * 1024 * 1024)
        #expect(defaults.messageLimits == MessageLimits.default)
        let set = try ConfigLoader.load(file: try write("""
            [limits]
            max_message_size = "10M"
            max_session_input = "11M"
            max_header_fields = 500
            max_mime_depth = 8
            max_mime_parts = 2000
            """), environment: [:]).settings.limits
        #expect(set.sessionInputBudget == 11 * 1024 * 1024)
        #expect(set.messageLimits == MessageLimits(maxDepth: 8, maxHeaderFields: 500, maxPartsPerMultipart: 2000, maxTotalParts: 2000))
        let small = try errors("[limits]\nmax_message_size = \"10M\"\nmax_session_input = \"10M\"\n")
        #expect(small.first?.message.contains("limits.max_session_input") == true, "\(small)")
        #expect(small.first?.message.contains("at least limits.max_message_size plus 64K") == true, "\(small)")
    }

    /// `limits.imap_literal_minus` is a TOML boolean (RFC 7888: LITERAL+ unless it is true); the
    /// IMAP line and pre-login limits default to 64 KiB.
    @Test func imapLiteralMinusAndLineLimits() throws {
        let defaults = try ConfigLoader.load(file: try write("hostname = \"a.test\"\n"), environment: [:])
        #expect(defaults.settings.limits.imapLiteralMinus == false)
        #expect(defaults.settings.limits.imapMaxLineLength == 65_536 && defaults.settings.limits.imapUnauthenticatedCommandSize == 65_536)
        let set = try ConfigLoader.load(file: try write("[limits]\nimap_literal_minus = true\n"), environment: [:])
        #expect(set.settings.limits.imapLiteralMinus)
        #expect(ConfigRenderer.render(set).contains("imap_literal_minus = true"))
        let fromEnvironment = try ConfigLoader.load(file: nil, environment: ["HATO_LIMITS_IMAP_LITERAL_MINUS": "1"])
        #expect(fromEnvironment.settings.limits.imapLiteralMinus)
        let wrong = try errors("[limits]\nimap_literal_minus = \"yes\"\n")
        #expect(wrong.first?.line == 2 && wrong.first?.message.contains("expected true or false") == true, "\(wrong)")
    }

    /// resolv.conf's `timeout` and `attempts`, settable for the resolvers Hato asks.
    @Test func dnsTimeoutAndAttempts() throws {
        let unset = try ConfigLoader.load(file: try write("[dns]\nservers = [\"127.0.0.1:53\"]\n"), environment: [:]).settings.dns
        #expect(unset.timeout == nil && unset.attempts == nil)
        let set = try ConfigLoader.load(file: try write("[dns]\ntimeout = 7\nattempts = 3\n"), environment: [:]).settings.dns
        #expect(set.timeout == .seconds(7) && set.attempts == 3)
        let fromEnvironment = try ConfigLoader.load(file: nil, environment: ["HATO_DNS_TIMEOUT": "9"]).settings.dns
        #expect(fromEnvironment.timeout == .seconds(9))
        #expect(try errors("[dns]\ntimeout = 61\n").first?.message.contains("between 1 and 60 seconds") == true)
        #expect(try errors("[dns]\nattempts = 0\n").first?.line == 2)
    }

    @Test func tlsCertAndKeyGoTogether() throws {
        let found = try errors("[tls]\ncert = \"c.pem\"\n")
        #expect(found.first?.line == 2)
        #expect(found.first?.message.contains("must be set together") == true)
    }

    @Test func environmentOverridesTheFile() throws {
        let loaded = try ConfigLoader.load(
            file: try write(Self.example),
            environment: ["HATO_LIMITS_MAX_RECIPIENTS": "250", "HATO_LISTEN_SMTP": "127.0.0.1:2525, [::1]:2525",
                          "HATO_LIMITS_MAX_MESSAGE_SIZE": "10M", "HATO_CONFIG": "ignored"])
        #expect(loaded.settings.limits.maxRecipients == 250)
        #expect(loaded.settings.limits.maxMessageSize == 10 * 1024 * 1024)
        #expect(loaded.settings.listeners[.smtp]?.map(\.description) == ["127.0.0.1:2525", "[::1]:2525"])
        #expect(loaded.values["limits.max_recipients"]?.source == .environment("HATO_LIMITS_MAX_RECIPIENTS"))
    }

    @Test func unknownEnvironmentVariablesAreErrors() throws {
        let found = try errors("hostname = \"a.test\"\n", environment: ["HATO_LIMITS_MAX_SIZE": "1"])
        #expect(found.first?.message == "unknown environment variable HATO_LIMITS_MAX_SIZE")
    }

    @Test func developmentDefaultsWithoutAFile() throws {
        let config = try ConfigLoader.load(file: nil, environment: [:]).settings
        #expect(config.isDevelopment)
        #expect(config.dataDirectory.lastPathComponent == "hato-data")
        let ports = HatoConfig.ListenerKind.allCases.map { config.listeners[$0]?.first?.port }
        #expect(ports == [2525, 2587, 2465, 2143, 2993, 2110, 2995, 4190, 2080, 2443, 2980])
        #expect(config.listeners.values.allSatisfy { $0.allSatisfy(\.isLoopback) })
    }

    @Test func relativePathsAreRelativeToTheFile() throws {
        let config = try ConfigLoader.load(file: try write("data_dir = \"data\"\n"), environment: [:]).settings
        #expect(config.dataDirectory.path == directory.url.appendingPathComponent("data").standardizedFileURL.path)
    }

    @Test func effectiveConfigurationReadsBack() throws {
        let loaded = try ConfigLoader.load(file: try write(Self.example), environment: [:])
        let rendered = ConfigRenderer.render(loaded)
        let again = try ConfigLoader.load(file: try write(rendered, name: "again.toml"), environment: [:])
        #expect(again.settings.limits.maxRecipients == loaded.settings.limits.maxRecipients)
        #expect(again.settings.listeners == loaded.settings.listeners)
        #expect(rendered.contains("max_recipients = 100  # file, line 17"))
    }

    @Test(arguments: ConfigSchema.keys.map(\.path))
    func everyKeyIsDocumented(_ path: String) throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/configuration.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let key = try #require(ConfigSchema.key(path))
        #expect(text.contains("`\(key.name)`"), "docs/configuration.md does not document \(path)")
        #expect(text.contains(key.environmentName), "docs/configuration.md does not name \(key.environmentName)")
    }
}
