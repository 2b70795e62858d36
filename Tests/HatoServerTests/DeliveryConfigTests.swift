import Foundation
import HatoServer
import HatoTesting
import Testing

/// The `[delivery]` section: defaults, the smarthost keys and their consistency checks.
@Suite struct DeliveryConfigTests {
    let directory = try! TemporaryDirectory(prefix: "hato-delivery-config")

    func load(_ text: String) throws -> HatoConfig {
        let path = directory.url.appendingPathComponent("hato.toml").path
        try ("data_dir = \"data\"\n" + text).write(toFile: path, atomically: true, encoding: .utf8)
        return try ConfigLoader.load(file: path, environment: [:]).settings
    }

    func messages(_ text: String) throws -> [String] {
        do {
            _ = try load(text)
        } catch let error as ConfigErrors {
            return error.errors.map { "\($0)" }
        }
        return []
    }

    @Test func defaultsAreMXRoutingOnPort25WithFiveDaysOfRetries() throws {
        let delivery = try load("").delivery
        #expect(delivery.relay == nil && delivery.mxPort == 25)
        #expect(delivery.retryInitial == 300 && delivery.retryMaxInterval == 14_400 && delivery.maxQueueTime == 432_000)
        #expect(delivery.delayWarning == nil && delivery.maxConnections == 20 && delivery.maxConnectionsPerDomain == 4)
    }

    @Test func smarthostWithPasswordFileAndTLSByPort() throws {
        let secret = directory.url.appendingPathComponent("relay-password").path
        try "s3cret pass\nignored\n".write(toFile: secret, atomically: true, encoding: .utf8)
        let submission = try load("""
            [delivery]
            relay = "smtp.provider.example:587"
            relay_username = "me@provider.example"
            relay_password_file = "\(secret)"
            delay_warning = "4h"
            """).delivery
        #expect(submission.relay == ListenAddress(host: "smtp.provider.example", port: 587))
        #expect(submission.relayUsername == "me@provider.example" && submission.relayPassword == "s3cret pass")
        #expect(!submission.relayImplicitTLS && submission.delayWarning == 14_400)
        let implicit = try load("[delivery]\nrelay = \"smtp.provider.example:465\"\n").delivery
        #expect(implicit.relayImplicitTLS)
        let forced = try load("[delivery]\nrelay = \"smtp.provider.example:2465\"\nrelay_tls = \"implicit\"\n").delivery
        #expect(forced.relayImplicitTLS)
    }

    @Test func inconsistentSmarthostSettingsAreRefused() throws {
        #expect(try messages("[delivery]\nrelay = \"no-port\"\n").contains { $0.contains("delivery.relay") })
        #expect(try messages("[delivery]\nrelay = \"a.example:587\"\nrelay_username = \"me\"\n").contains { $0.contains("relay_password") })
        #expect(try messages("[delivery]\nmx_port = 0\n").contains { $0.contains("mx_port") })
    }

    @Test func thePasswordIsNeverPrinted() throws {
        let path = directory.url.appendingPathComponent("hato.toml").path
        try "data_dir = \"data\"\n[delivery]\nrelay = \"a.example:587\"\nrelay_username = \"me\"\nrelay_password = \"hunter2 secret\"\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let rendered = ConfigRenderer.render(try ConfigLoader.load(file: path, environment: [:]))
        #expect(!rendered.contains("hunter2"))
        #expect(rendered.contains("# relay_password is set (hidden)"))
    }
}
