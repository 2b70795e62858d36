import Foundation
import HatoServer
import HatoTesting
import Testing

/// `[[tls.certificates]]` (SNI) and `[auth]`: parsing, defaults and line-precise errors.
@Suite struct TLSAndAuthConfigTests {
    let directory = try! TemporaryDirectory(prefix: "hato-config-tls")

    func load(_ text: String, environment: [String: String] = [:]) throws -> LoadedConfig {
        let path = directory.url.appendingPathComponent("hato.toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try ConfigLoader.load(file: path, environment: environment)
    }

    func errors(_ text: String, environment: [String: String] = [:]) throws -> [String] {
        do {
            _ = try load(text, environment: environment)
        } catch let error as ConfigErrors {
            return error.errors.map(\.description)
        }
        Issue.record("expected configuration errors")
        return []
    }

    @Test func sniEntriesResolveRelativeToTheFile() throws {
        let config = try load("""
            [tls]
            cert = "main.pem"
            key = "main.key"
            [[tls.certificates]]
            hostname = "Mail.Example.NET"
            cert = "net.pem"
            key = "/etc/hato/net.key"
            [[tls.certificates]]
            hostname = "*.example.com"
            cert = "com.pem"
            key = "com.key"
            """)
        let entries = config.settings.tlsSNICertificates
        #expect(entries.map(\.hostname) == ["mail.example.net", "*.example.com"])
        #expect(entries[0].certificate.path == directory.url.appendingPathComponent("net.pem").standardizedFileURL.path)
        #expect(entries[0].key.path == "/etc/hato/net.key")
        #expect(ConfigRenderer.render(config).contains(#"certificates = [{ cert = "net.pem", hostname = "Mail.Example.NET", key = "/etc/hato/net.key" }"#))
    }

    @Test func badSNIEntriesAreRefusedWithTheirLine() throws {
        let missing = try errors("""
            [tls]
            cert = "main.pem"
            key = "main.key"
            [[tls.certificates]]
            hostname = "mail.example.net"
            cert = "net.pem"
            """)
        #expect(missing.count == 1 && missing[0].contains(":4: ") && missing[0].contains("entry 1: key is missing"), "\(missing)")
        let unknown = try errors("""
            [[tls.certificates]]
            hostname = "a.example"
            cert = "a.pem"
            key = "a.key"
            certificate = "typo.pem"
            """)
        #expect(unknown.first?.contains(#"unknown key "certificate""#) == true, "\(unknown)")
        let wildcard = try errors("""
            [[tls.certificates]]
            hostname = "mail.*.example"
            cert = "a.pem"
            key = "a.key"
            """)
        #expect(wildcard.first?.contains("is not a host name or *.domain") == true, "\(wildcard)")
        let environment = try errors("", environment: ["HATO_TLS_CERTIFICATES": "x"])
        #expect(environment.first?.contains("can only be set in the configuration file") == true, "\(environment)")
    }

    @Test func authDefaultsAndMechanismNames() throws {
        let defaults = try load("")
        #expect(defaults.settings.auth.mechanisms == ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1", "PLAIN", "LOGIN"])
        #expect(defaults.settings.auth.delayAfterFailures == 3 && defaults.settings.auth.lockoutAfterFailures == 10)
        #expect(defaults.settings.auth.lockoutDuration == .seconds(900))
        #expect(defaults.settings.auth.knownClientDuration == .seconds(30 * 24 * 3600))
        let custom = try load("""
            [auth]
            mechanisms = ["SCRAM-SHA-256", "PLAIN", "cram-md5"]
            lockout_duration = "1h"
            known_client_duration = "7d"
            """)
        #expect(custom.settings.auth.mechanisms == ["SCRAM-SHA-256", "PLAIN", "cram-md5"])
        #expect(custom.settings.auth.lockoutDuration == .seconds(3600))
        #expect(custom.settings.auth.knownClientDuration == .seconds(7 * 24 * 3600))
        let digest = try errors("""
            [auth]
            mechanisms = ["PLAIN", "DIGEST-MD5"]
            """)
        #expect(digest.first?.contains(#"unknown mechanism "DIGEST-MD5""#) == true && digest.first?.contains("RFC 6331") == true, "\(digest)")
    }

    /// `auth.benchmark_throttle_exempt` takes loopback literals only, in the listener's text form.
    @Test func throttleExemptionIsLoopbackOnly() throws {
        #expect(try load("").settings.auth.throttleExempt.isEmpty)
        let exempt = try load("""
            [auth]
            benchmark_throttle_exempt = ["127.0.0.1", "0:0:0:0:0:0:0:1"]
            """)
        #expect(exempt.settings.auth.throttleExempt == ["127.0.0.1", "::1"])
        let outside = try errors("""
            [auth]
            benchmark_throttle_exempt = ["192.0.2.1"]
            """)
        #expect(outside.first?.contains("not a loopback address") == true, "\(outside)")
        let name = try errors("""
            [auth]
            benchmark_throttle_exempt = ["localhost"]
            """)
        #expect(name.first?.contains("is not an IPv4 or IPv6 address") == true, "\(name)")
    }
}
