import Foundation
import HTTPService
import HatoTesting
import SASL
import Testing

/// The dashboard on an in-process admin listener, asked by Python's http.client: status codes,
/// redirects, cookie attributes, sessions (logout, server-side expiry), the chart's bars and the
/// tables for known records, server-side sorting, and escaping of hostile report values.
@Suite struct DashboardHTTPTests {
    @Test func loginSessionAndPages() async throws {
        let fixture = DashboardFixture()
        let listener = try await TestListener.start(HTTPProtocolServer(configuration: try fixture.configuration(), role: .admin))
        let process = try Python.start(DashboardFixture.client + """
            s, h, b = req("GET", "/dashboard"); print("anonymous", s, h.get("location"))
            s, h, b = req("GET", "/dashboard/domain?name=example.test"); print("anonymous domain", s, h.get("location"))
            s, h, b = req("GET", "/dashboard/login"); print("form", s, h["content-type"], 'name="password"' in b, "script-src" not in h["content-security-policy"] and "default-src 'none'" in h["content-security-policy"])
            print("wrong", login("admin@example.test", "wrong pw")[0])
            print("unknown", login("nobody@example.test", "right pw")[0])
            s, c, l, b = login("bob@example.test", "right pw"); print("not admin", s, c, "may not use the dashboard" in b)
            print("json", req("POST", "/dashboard/login", '{"username":"admin@example.test"}', ctype="application/json")[0])
            print("empty", req("POST", "/dashboard/login", "username=&password=")[0])
            s, c, l, b = login("admin@example.test", "right pw"); print("admin", s, l); print(c.split("=", 1)[0], len(c.split("=", 1)[1].split(";")[0]), ";" + c.split(";", 1)[1])
            cookie = cookie_of(c)
            s, h, b = req("GET", "/dashboard", cookie=cookie); print("overview", s, re.findall(r'href="(/dashboard/domain[^"]*)">([^<]*)<', b))
            s, h, b = req("GET", "/dashboard/domain?name=example.test", cookie=cookie); print("domain", s)
            for bar in re.findall(r'<rect class="bar" data-day="([^"]+)" data-result="([^"]+)" data-count="([^"]+)"', b): print("bar", *bar)
            def rows(table, body): return [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in re.findall(r"<tr><td>.*?</tr>", body.split('id="' + table + '"')[1].split("</table>")[0])]
            for row in rows("sources", b): print("source", *row)
            for row in rows("would-fail", b): print("fail", *row)
            print("tlsrpt note", 'id="no-tlsrpt"' in b, b.count("<script"))
            s, h, b = req("GET", "/dashboard/domain?name=example.test&sort=ip&order=asc", cookie=cookie); print("by ip", [r[0] for r in rows("sources", b)])
            s, h, b = req("GET", "/dashboard/domain?name=example.test&sort=dkim&order=desc", cookie=cookie); print("by dkim", [r[3] for r in rows("sources", b)])
            print("bad sort", req("GET", "/dashboard/domain?name=example.test&sort=evil", cookie=cookie)[0])
            print("bad order", req("GET", "/dashboard/domain?name=example.test&order=up", cookie=cookie)[0])
            print("no domain", req("GET", "/dashboard/domain?name=other.test", cookie=cookie)[0])
            print("forged cookie", req("GET", "/dashboard", cookie="hato_session=" + "0" * 64)[1].get("location"))
            print("logout by GET", req("GET", "/dashboard/logout", cookie=cookie)[0])
            s, h, b = req("POST", "/dashboard/logout", "", cookie=cookie); print("logout", s, h.get("location"), h.get("set-cookie"))
            print("after logout", req("GET", "/dashboard", cookie=cookie)[0])
            s, c, l, b = login("admin@example.test", "right pw"); print("again", s)
            print(cookie_of(c)[len("hato_session="):], flush=True)
            sys.stdin.readline()
            print("expired", req("GET", "/dashboard", cookie=cookie_of(c))[0])
            """, arguments: ["127.0.0.1", String(listener.port)])
        // The session's lifetime passes on the server's clock; the browser would still send the cookie.
        try await process.waitFor("the second login") { out, _ in out.contains("again ") && out.hasSuffix("\n") && out.split(separator: "\n").last?.count == 64 }
        fixture.advance(8 * 3600 + 1)
        process.write("\n")
        _ = await process.exit(timeout: 60)
        try await listener.stop()
        let result = (stdout: process.output, stderr: process.errorOutput)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let expected = """
            anonymous 303 /dashboard/login
            anonymous domain 303 /dashboard/login
            form 200 text/html; charset=utf-8 True True
            wrong 401
            unknown 401
            not admin 403 None True
            json 415
            empty 400
            admin 303 /dashboard
            hato_session 64 ; Path=/dashboard; Max-Age=28800; HttpOnly; SameSite=Strict
            overview 200 [('/dashboard/domain?name=evil%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E.test', 'evil&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;.test'), ('/dashboard/domain?name=example.test', 'example.test')]
            domain 200
            bar 2026-12-03 pass 4
            bar 2026-12-03 rejected 1
            bar 2026-12-04 pass 10
            bar 2026-12-04 fail 3
            bar 2026-12-04 quarantined 2
            source 198.51.100.7 10 pass pass none
            source 198.51.100.7 4 fail pass none
            source 203.0.113.5 3 fail fail none
            source 203.0.113.9 2 fail fail quarantine
            source 192.0.2.66 1 fail fail reject
            fail 203.0.113.5 3 fail fail none
            fail 203.0.113.9 2 fail fail quarantine
            fail 192.0.2.66 1 fail fail reject
            tlsrpt note False 0
            by ip ['192.0.2.66', '198.51.100.7', '198.51.100.7', '203.0.113.5', '203.0.113.9']
            by dkim ['pass', 'pass', 'fail', 'fail', 'fail']
            bad sort 400
            bad order 400
            no domain 404
            forged cookie /dashboard/login
            logout by GET 405
            logout 303 /dashboard/login hato_session=; Path=/dashboard; Max-Age=0; HttpOnly; SameSite=Strict
            after logout 303
            again 303
            """
        #expect(lines.count == expected.split(separator: "\n").count + 2, "\(result.stdout)\n\(result.stderr)")
        #expect(lines.prefix(expected.split(separator: "\n").count).joined(separator: "\n") == expected, "\(result.stderr)")
        #expect(lines.last == "expired 303", "\(result.stdout)\n\(result.stderr)")
    }

    /// A report's domain, IP and results are the reporter's text: on the page they are text only.
    @Test func hostileReportValuesAreEscaped() async throws {
        let fixture = DashboardFixture()
        let listener = try await TestListener.start(HTTPProtocolServer(configuration: try fixture.configuration(), role: .admin))
        let result = try await Python.run(DashboardFixture.client + """
            cookie = cookie_of(login("admin@example.test", "right pw")[1])
            s, h, b = req("GET", "/dashboard/domain?name=" + urllib.parse.quote('evil"><script>alert(1)</script>.test', safe=""), cookie=cookie)
            print(s, b.count("<script"), b.count("<img"), b.count("<i>"), b.count("onerror=alert(2)>"))
            print("&lt;img src=x onerror=alert(2)&gt;" in b, "evil&quot;&gt;&lt;script&gt;" in b, "fail&#39;&quot;" in b, "fail&amp;amp;" in b, "none&lt;i&gt;" in b)
            print('id="no-tlsrpt"' in b)
            """, arguments: ["127.0.0.1", String(listener.port)])
        try await listener.stop()
        #expect(result.stdout == "200 0 0 0 0\nTrue True True True True\nTrue\n", "\(result.stderr)")
    }

    /// Failed logins count in the shared throttle: past the lockout even the right password is 429.
    @Test func failedLoginsAreThrottled() async throws {
        let throttle = AuthThrottle(configuration: .init(delayAfterFailures: 1, lockoutAfterFailures: 3, initialDelay: .milliseconds(10),
                                                         maximumDelay: .milliseconds(20)))
        let fixture = DashboardFixture(throttle: throttle)
        let listener = try await TestListener.start(HTTPProtocolServer(configuration: try fixture.configuration(), role: .admin))
        let result = try await Python.run(DashboardFixture.client + """
            print([login("admin@example.test", "guess %d" % i)[0] for i in range(4)], login("admin@example.test", "right pw")[0])
            """, arguments: ["127.0.0.1", String(listener.port)])
        try await listener.stop()
        #expect(result.stdout == "[401, 401, 401, 429] 429\n", "\(result.stderr)")
    }

    /// No plaintext password from another host unless the listener is TLS; there the cookie is Secure.
    @Test func plaintextLoginOnlyFromLoopbackOrTLS() async throws {
        guard let address = Self.nonLoopbackAddress() else {
            Issue.record("this machine has no non-loopback IPv4 address to connect from")
            return
        }
        let fixture = DashboardFixture()
        let plain = try await TestListener.start(HTTPProtocolServer(configuration: try fixture.configuration(), role: .admin), host: "0.0.0.0")
        let tls = try await TestListener.start(HTTPProtocolServer(configuration: try fixture.configuration(), role: .admin),
                                               implicitTLS: true, host: "0.0.0.0")
        let script = DashboardFixture.client + """
            s, c, l, b = login("admin@example.test", "right pw"); print(s, "only over TLS" in b, c and ";" + c.split(";", 1)[1])
            """
        let overPlain = try await Python.run(script, arguments: [address, String(plain.port)])
        let overTLS = try await Python.run(script, arguments: [address, String(tls.port), "tls"])
        let loopback = try await Python.run(script, arguments: ["127.0.0.1", String(plain.port)])
        try await plain.stop()
        try await tls.stop()
        #expect(overPlain.stdout == "403 True None\n", "\(overPlain.stderr)")
        #expect(overTLS.stdout == "303 False ; Path=/dashboard; Max-Age=28800; HttpOnly; SameSite=Strict; Secure\n", "\(overTLS.stderr)")
        #expect(loopback.stdout == "303 False ; Path=/dashboard; Max-Age=28800; HttpOnly; SameSite=Strict\n", "\(loopback.stderr)")
    }

    @Test func webListenersHaveNoDashboard() async throws {
        let fixture = DashboardFixture()
        let listener = try await TestListener.start(HTTPProtocolServer(configuration: try fixture.configuration(), role: .web))
        let result = try await Python.run(DashboardFixture.client + """
            print(req("GET", "/dashboard")[0], req("GET", "/dashboard/login")[0], login("admin@example.test", "right pw")[0])
            """, arguments: ["127.0.0.1", String(listener.port)])
        try await listener.stop()
        #expect(result.stdout == "404 404 404\n", "\(result.stderr)")
    }

    @Test func sessionsAreBoundedAndExpire() {
        var limits = DashboardLimits()
        limits.maxSessions = 2
        limits.sessionLifetime = .seconds(60)
        let sessions = DashboardSessions(limits: limits)
        let start = DashboardFixture.now
        let first = sessions.create(username: "a", now: start)
        let second = sessions.create(username: "b", now: start.addingTimeInterval(1))
        let third = sessions.create(username: "c", now: start.addingTimeInterval(2))
        #expect(Set([first, second, third]).count == 3 && first.count == 64)
        #expect(sessions.count == 2)
        #expect(sessions.session(first, now: start.addingTimeInterval(3)) == nil, "the oldest session made room")
        #expect(sessions.session(second, now: start.addingTimeInterval(3))?.username == "b")
        #expect(sessions.session(second, now: start.addingTimeInterval(61)) == nil, "expired by the server's clock")
        #expect(sessions.session(third, now: start.addingTimeInterval(61))?.username == "c")
        #expect(sessions.session(third.uppercased(), now: start) == nil)
        sessions.end(third)
        #expect(sessions.session(third, now: start) == nil)
    }

    /// A local IPv4 address other than loopback, to connect from "another host".
    static func nonLoopbackAddress() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/net/fib_trie", encoding: .utf8) else { return nil }
        // Local addresses are the entries followed by "/32 host LOCAL".
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        for (index, line) in lines.enumerated() where line == "/32 host LOCAL" && index > 0 {
            let candidate = lines[index - 1].replacingOccurrences(of: "|-- ", with: "").replacingOccurrences(of: "+-- ", with: "")
            if !candidate.hasPrefix("127."), candidate.split(separator: ".").count == 4 { return candidate }
        }
        return nil
    }
}
