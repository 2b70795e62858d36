import Foundation
import HatoServer
import HatoTesting
import Testing

/// The `[acme]` section: off without `email`, its defaults, names and their checks, the
/// boolean `rotate_key` from the file and the environment.
@Suite struct ACMEConfigTests {
    let directory = try! TemporaryDirectory(prefix: "hato-acme-config")

    func load(_ text: String, environment: [String: String] = [:]) throws -> HatoConfig {
        let path = directory.url.appendingPathComponent("hato.toml").path
        try ("hostname = \"mail.example.com\"\ndata_dir = \"data\"\n" + text).write(toFile: path, atomically: true, encoding: .utf8)
        return try ConfigLoader.load(file: path, environment: environment).settings
    }

    func messages(_ text: String) throws -> [String] {
        do {
            _ = try load(text)
        } catch let error as ConfigErrors {
            return error.errors.map { "\($0)" }
        }
        return []
    }

    @Test func offWithoutEmailAndLetsEncryptTLSALPNForTheHostnameByDefault() throws {
        #expect(try load("").acme == nil)
        let acme = try #require(try load("[acme]\nemail = \"postmaster@example.com\"\n").acme)
        #expect(acme.directory == "https://acme-v02.api.letsencrypt.org/directory")
        #expect(acme.challenge == .tlsALPN01)
        #expect(acme.hostnames == ["mail.example.com"])
        #expect(!acme.rotateKey && acme.caFile == nil)
        #expect(acme.retryInitial == .seconds(600) && acme.retryMaxInterval == .seconds(21_600))
    }

    @Test func everyKeySet() throws {
        let acme = try #require(try load("""
            [acme]
            email = "admin@example.com"
            directory = "https://acme-staging-v02.api.letsencrypt.org/directory"
            challenge = "http-01"
            hostnames = ["Mail.Example.com.", "mta-sts.example.com", "mail.example.com"]
            rotate_key = true
            ca_file = "pebble.pem"
            retry_initial = "30s"
            retry_max_interval = "1h"
            """).acme)
        #expect(acme.challenge == .http01)
        #expect(acme.hostnames == ["mail.example.com", "mta-sts.example.com"], "lower case, no trailing dot, no repeats")
        #expect(acme.rotateKey)
        #expect(acme.caFile?.lastPathComponent == "pebble.pem")
        #expect(acme.retryInitial == .seconds(30) && acme.retryMaxInterval == .seconds(3600))
        let fromEnvironment = try #require(try load("[acme]\nemail = \"a@example.com\"\n", environment: ["HATO_ACME_ROTATE_KEY": "true"]).acme)
        #expect(fromEnvironment.rotateKey)
    }

    @Test func refusesWhatNoCACanIssue() throws {
        #expect(try messages("[acme]\nemail = \"nobody\"\n").first?.contains("acme.email: \"nobody\" is not an email address") == true)
        #expect(try messages("[acme]\nemail = \"a@example.com\"\ndirectory = \"http://ca.example/dir\"\n").first?
            .contains("must be an https:// URL (RFC 8555 §6.1)") == true)
        #expect(try messages("[acme]\nemail = \"a@example.com\"\nhostnames = [\"*.example.com\"]\n").first?
            .contains("wildcards need the dns-01 challenge") == true)
        #expect(try messages("[acme]\nemail = \"a@example.com\"\nhostnames = [\"192.0.2.1\"]\n").first?
            .contains("\"192.0.2.1\" is not a host name") == true)
        #expect(try messages("[acme]\nemail = \"a@example.com\"\nrotate_key = \"yes\"\n").first?
            .contains("acme.rotate_key: expected true or false") == true)
        #expect(try messages("[acme]\nemail = \"a@example.com\"\nchallenge = \"dns-01\"\n").first?
            .contains("\"dns-01\" is not one of tls-alpn-01, http-01") == true)
        // The development default host name (localhost) cannot be validated by a CA.
        let path = directory.url.appendingPathComponent("dev.toml").path
        try "data_dir = \"data\"\nhostname = \"localhost\"\n[acme]\nemail = \"a@example.com\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ConfigErrors.self) { try ConfigLoader.load(file: path, environment: [:]) }
    }
}

/// When `hato serve` asks the CA, from what is installed and what went before.
struct ACMERenewalPlanTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let names = ["mail.example.com"]

    func certificate(issuedDaysAgo days: Double, lifetimeDays: Double = 90, names: [String]? = nil) -> InstalledCertificate {
        let notBefore = now.addingTimeInterval(-days * 86400)
        return InstalledCertificate(names: names ?? self.names, notBefore: notBefore,
                                    notAfter: notBefore.addingTimeInterval(lifetimeDays * 86400), issuer: "CN=Test CA", serial: "01")
    }

    @Test func renewsAtTwoThirdsOfTheLifetime() {
        let young = certificate(issuedDaysAgo: 10)
        #expect(ACMERenewalPlan.decide(installed: young, configured: names, state: ACMEState(), now: now)
                == .wait(until: young.notBefore.addingTimeInterval(60 * 86400)))
        guard case .obtain(let reason) = ACMERenewalPlan.decide(installed: certificate(issuedDaysAgo: 61), configured: names, state: ACMEState(), now: now)
        else { Issue.record("a 61-day-old 90-day certificate is due"); return }
        #expect(reason.contains("two thirds"))
        guard case .obtain = ACMERenewalPlan.decide(installed: nil, configured: names, state: ACMEState(), now: now)
        else { Issue.record("no certificate: obtain"); return }
    }

    @Test func changedNamesAreObtainedAtOnce() {
        let installed = certificate(issuedDaysAgo: 1)
        guard case .obtain(let reason) = ACMERenewalPlan.decide(
            installed: installed, configured: names + ["mta-sts.example.com"], state: ACMEState(), now: now)
        else { Issue.record("new names: obtain now"); return }
        #expect(reason.contains("names changed"))
    }

    @Test func failuresWaitForTheBackoffUnlessTheNamesChanged() {
        var state = ACMEState()
        state.names = names
        state.failures = 3
        state.nextAttempt = now.addingTimeInterval(2400)
        #expect(ACMERenewalPlan.decide(installed: nil, configured: names, state: state, now: now) == .wait(until: state.nextAttempt!))
        guard case .obtain = ACMERenewalPlan.decide(installed: nil, configured: ["other.example.com"], state: state, now: now)
        else { Issue.record("a configuration change is tried at once"); return }
        guard case .obtain = ACMERenewalPlan.decide(installed: nil, configured: names, state: state, now: now.addingTimeInterval(2401))
        else { Issue.record("due after the backoff"); return }
    }

    @Test func backoffDoublesToItsBound() {
        let delays = (1...7).map { ACMERenewalPlan.backoff(failures: $0, initial: .seconds(600), maximum: .seconds(21_600)) }
        #expect(delays == [600, 1200, 2400, 4800, 9600, 19_200, 21_600].map { Duration.seconds($0) })
    }

    @Test func aJustIssuedCertificateIsNotRenewedInALoop() {
        // A CA whose certificates are due at once (tiny lifetime, or a clock off by days).
        let due = certificate(issuedDaysAgo: 0.001, lifetimeDays: 0.0001)
        var state = ACMEState()
        state.names = names
        state.lastIssued = now.addingTimeInterval(-60)
        #expect(ACMERenewalPlan.decide(installed: due, configured: names, state: state, now: now, minimumInterval: .seconds(600))
                == .wait(until: state.lastIssued!.addingTimeInterval(600)))
    }
}
