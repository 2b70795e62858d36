import Foundation
import HTTPService
import HatoTesting
import Testing

/// The HTTP listener on 127.0.0.1 port 0 (ServerRuntime's listener with `HTTPProtocolServer`),
/// asked by Python's http.client: every route, method rules, and the request limits.
@Suite struct HTTPListenerTests {
    /// `request(method, path, host, body)` prints `status`, the content type and the body; a
    /// connection the server closed prints `closed`.
    static let client = """
        import sys, http.client, socket
        port = int(sys.argv[1])
        def request(method, path, host="mail.example.test", body=None, headers=None):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            h = {"Host": host}; h.update(headers or {})
            c.request(method, path, body=body, headers=h)
            r = c.getresponse(); data = r.read().decode()
            c.close()
            return r.status, r.getheader("Content-Type"), data
        def show(*args, **kw):
            status, ctype, data = request(*args, **kw)
            print(status, ctype); print(data, end="" if data.endswith("\\n") or not data else "\\n")

        """

    @Test func routesAnswerOnlyForServedDomains() async throws {
        let listener = try await TestListener.start(
            HTTPProtocolServer(configuration: HTTPFixture.configuration(acme: { $0 == "tok-en_1" ? "tok-en_1.thumbprint" : nil }), role: .web))
        let result = try await Python.run(Self.client + """
            show("GET", "/healthz")
            show("GET", "/.well-known/mta-sts.txt", host="mta-sts.example.test:443")
            print(request("GET", "/.well-known/mta-sts.txt", host="mta-sts.other.test")[0])
            print(request("GET", "/.well-known/mta-sts.txt", host="example.test")[0])
            status, ctype, body = request("GET", "/mail/config-v1.1.xml?emailaddress=alice%40example.test", host="autoconfig.example.test")
            print(status, ctype, body.count("<incomingServer"), body.count("<outgoingServer"))
            print(request("GET", "/.well-known/autoconfig/mail/config-v1.1.xml", host="example.test")[0])
            print(request("GET", "/mail/config-v1.1.xml?emailaddress=alice%40other.test")[0])
            print(request("GET", "/mail/config-v1.1.xml", host="autoconfig.other.test")[0])
            show("GET", "/.well-known/acme-challenge/tok-en_1")
            print(request("GET", "/.well-known/acme-challenge/unknown")[0])
            print(request("GET", "/.well-known/acme-challenge/bad%2Ftoken")[0])
            print(request("GET", "/metrics")[0])
            print(request("GET", "/nothing-here")[0])
            """, arguments: [String(listener.port)])
        try await listener.stop()
        #expect(result.stdout == """
            200 text/plain; charset=utf-8
            ok
            200 text/plain; charset=us-ascii
            version: STSv1\r
            mode: testing\r
            mx: mail.example.test\r
            max_age: 604800\r
            404
            404
            200 application/xml; charset=utf-8 3 2
            200
            404
            404
            200 application/octet-stream
            tok-en_1.thumbprint
            404
            404
            404
            404

            """, "\(result.stderr)")
    }

    @Test func autodiscoverTakesAPostedAddress() async throws {
        let listener = try await TestListener.start(HTTPProtocolServer(configuration: HTTPFixture.configuration(), role: .web))
        let result = try await Python.run(Self.client + """
            import xml.etree.ElementTree as ET
            req = '<?xml version="1.0"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>alice@example.test</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>'
            for path in ["/autodiscover/autodiscover.xml", "/Autodiscover/Autodiscover.xml", "/AutoDiscover/AutoDiscover.xml"]:
                status, ctype, body = request("POST", path, host="autodiscover.example.test", body=req, headers={"Content-Type": "text/xml"})
                ns = {"r": "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"}
                protocols = ET.fromstring(body).findall(".//r:Protocol", ns)
                print(status, [(p.findtext("r:Type", namespaces=ns), p.findtext("r:Port", namespaces=ns), p.findtext("r:Encryption", namespaces=ns)) for p in protocols])
            status, ctype, body = request("GET", "/autodiscover/autodiscover.xml")
            print(status)
            print(request("POST", "/autodiscover/autodiscover.xml", body=req.replace("example.test", "other.test"))[0])
            print(request("POST", "/autodiscover/autodiscover.xml", body="<Autodiscover/>")[0])
            """, arguments: [String(listener.port)])
        try await listener.stop()
        let line = "200 [('IMAP', '993', 'SSL'), ('IMAP', '143', 'TLS'), ('POP3', '995', 'SSL'), ('SMTP', '465', 'SSL'), ('SMTP', '587', 'TLS')]"
        #expect(result.stdout == "\(line)\n\(line)\n\(line)\n405\n404\n400\n", "\(result.stderr)")
    }

    @Test func methodsHeadAndMobileconfig() async throws {
        let listener = try await TestListener.start(HTTPProtocolServer(configuration: HTTPFixture.configuration(), role: .web))
        let result = try await Python.run(Self.client + """
            import plistlib
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            c.request("HEAD", "/healthz"); r = c.getresponse(); print(r.status, r.getheader("Content-Length"), repr(r.read()))
            c.request("POST", "/healthz", body="x"); r = c.getresponse(); print(r.status, r.getheader("Allow")); r.read()
            c.request("GET", "/apple/mobileconfig?emailaddress=alice%40example.test"); r = c.getresponse()
            print(r.status, r.getheader("Content-Type"), r.getheader("Content-Disposition"))
            account = plistlib.loads(r.read())["PayloadContent"][0]
            print(account["IncomingMailServerHostName"], account["IncomingMailServerPortNumber"], account["IncomingMailServerUseSSL"],
                  account["OutgoingMailServerPortNumber"], account["OutgoingMailServerUseSSL"], account["EmailAccountType"])
            c.request("GET", "/apple/mobileconfig?emailaddress=not-an-address"); r = c.getresponse(); print(r.status); r.read()
            """, arguments: [String(listener.port)])
        try await listener.stop()
        #expect(result.stdout == """
            200 3 b''
            405 GET, HEAD
            200 application/x-apple-aspen-config attachment; filename="mail-alice-example.test.mobileconfig"
            mail.example.test 993 True 465 True EmailTypeIMAP
            400

            """, "\(result.stderr)")
    }

    @Test func adminServesMetricsAndNothingElse() async throws {
        let listener = try await TestListener.start(HTTPProtocolServer(
            configuration: HTTPFixture.configuration(metrics: { "# HELP x_total X.\n# TYPE x_total counter\nx_total 1\n" }), role: .admin))
        let result = try await Python.run(Self.client + """
            show("GET", "/metrics")
            print(request("GET", "/healthz")[0])
            print(request("GET", "/mail/config-v1.1.xml?emailaddress=alice%40example.test")[0])
            """, arguments: [String(listener.port)])
        try await listener.stop()
        #expect(result.stdout == "200 text/plain; version=0.0.4; charset=utf-8\n# HELP x_total X.\n# TYPE x_total counter\nx_total 1\n200\n404\n",
                "\(result.stderr)")
    }
}
