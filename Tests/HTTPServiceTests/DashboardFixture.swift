import Foundation
import HTTPService
import SASL
import ServerRuntime
import Synchronization

/// A dashboard over fixed report records and two accounts: `admin@example.test` (an admin) and
/// `bob@example.test` (not one), both with password "right pw". The clock can be moved.
final class DashboardFixture: Sendable {
    static let now = ISO8601DateFormatter().date(from: "2026-12-05T12:00:00Z")!
    static let hostileDomain = "evil\"><script>alert(1)</script>.test"
    static let hostileIP = "<img src=x onerror=alert(2)>"

    let clock = Mutex(DashboardFixture.now)
    let throttle: AuthThrottle

    init(throttle: AuthThrottle = AuthThrottle()) {
        self.throttle = throttle
    }

    static func day(_ text: String) -> Date { ISO8601DateFormatter().date(from: text + "T00:00:00Z")! }

    static let records: [DashboardRecord] = [
        .init(domain: "example.test", periodBegin: day("2026-12-04"), reporter: "google.com", sourceIP: "198.51.100.7", count: 10,
              disposition: "none", dkim: "pass", spf: "pass"),
        .init(domain: "example.test", periodBegin: day("2026-12-04"), reporter: "google.com", sourceIP: "203.0.113.5", count: 3,
              disposition: "none", dkim: "fail", spf: "fail"),
        .init(domain: "example.test", periodBegin: day("2026-12-04"), reporter: "Yahoo", sourceIP: "203.0.113.9", count: 2,
              disposition: "quarantine", dkim: "fail", spf: "fail"),
        .init(domain: "example.test", periodBegin: day("2026-12-03"), reporter: "Yahoo", sourceIP: "198.51.100.7", count: 4,
              disposition: "none", dkim: "pass", spf: "fail"),
        .init(domain: "example.test", periodBegin: day("2026-12-03"), reporter: "Yahoo", sourceIP: "192.0.2.66", count: 1,
              disposition: "reject", dkim: "fail", spf: "fail"),
        // Older than dashboard.days: not shown.
        .init(domain: "example.test", periodBegin: day("2026-10-01"), reporter: "Yahoo", sourceIP: "192.0.2.99", count: 50,
              disposition: "none", dkim: "pass", spf: "pass"),
        .init(domain: hostileDomain, periodBegin: day("2026-12-04"), reporter: "<b>org</b>", sourceIP: hostileIP, count: 1,
              disposition: "none<i>", dkim: "fail'\"", spf: "fail&amp;"),
    ]

    func configuration(limits: DashboardLimits = DashboardLimits()) throws -> HTTPServiceConfiguration {
        let keys = try [SCRAMHash.sha256, .sha1].map { try SCRAMCredentials.derive(password: "right pw", hash: $0, iterations: 4096) }
        let lookup = SASLClosureLookup { username in
            ["admin@example.test", "bob@example.test"].contains(username) ? SASLAccountCredentials(scram: keys) : nil
        }
        let authenticator = SASLAuthenticator(policy: SASLPolicy(mechanisms: [.plain]), throttle: throttle, lookup: lookup,
                                              configuration: SASLServerConfiguration(hostname: "mail.example.test", iterations: 4096))
        let dashboard = DashboardConfiguration(
            limits: limits, authenticator: authenticator, isAdmin: { $0 == "admin@example.test" },
            records: { since, _ in Self.records.filter { $0.periodBegin >= since } },
            tlsPolicies: { domain, _, _ in
                domain == "example.test" ? [DashboardTLSPolicy(policyType: "sts", mxHosts: ["mx.example.test"], successful: 9, failed: 1,
                                                                 failures: ["certificate-expired": 1], reports: 1, reporters: ["r"])] : []
            }, now: { [self] in self.clock.withLock { $0 } })
        var configuration = HTTPFixture.configuration()
        configuration.dashboard = dashboard
        return configuration
    }

    func advance(_ seconds: TimeInterval) { clock.withLock { $0 = $0.addingTimeInterval(seconds) } }

    /// Python http.client helpers: `req(method, path, body=None, cookie=None, ctype=form)` returns
    /// (status, headers dict lower-cased, body); `login(user, pw)` returns (status, set-cookie).
    static let client = """
        import sys, http.client, re, ssl, urllib.parse
        host = sys.argv[1]; port = int(sys.argv[2]); tls = len(sys.argv) > 3 and sys.argv[3] == "tls"
        def req(method, path, body=None, cookie=None, ctype="application/x-www-form-urlencoded"):
            if tls:
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                c = http.client.HTTPSConnection(host, port, timeout=20, context=ctx)
            else:
                c = http.client.HTTPConnection(host, port, timeout=20)
            h = {}
            if cookie: h["Cookie"] = "other=1; " + cookie
            if body is not None: h["Content-Type"] = ctype
            c.request(method, path, body=body, headers=h)
            r = c.getresponse(); data = r.read().decode()
            headers = {k.lower(): v for k, v in r.getheaders()}
            c.close()
            return r.status, headers, data
        def login(user, pw):
            s, h, b = req("POST", "/dashboard/login", urllib.parse.urlencode({"username": user, "password": pw}))
            return s, h.get("set-cookie"), h.get("location"), b
        def cookie_of(set_cookie): return set_cookie.split(";")[0]

        """
}
