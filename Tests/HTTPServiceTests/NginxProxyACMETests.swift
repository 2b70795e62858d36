import Foundation
import HTTPService
import HatoTesting
import Testing

/// docs/deployment.md's nginx configuration in front of the HTTP listener: an ACME http-01
/// challenge reaches the injected responder through nginx's port 80 server, which sends
/// everything else to HTTPS; its 443 server passes the documents on with the client's Host.
@Suite struct NginxProxyACMETests {
    @Test(.enabled(if: NginxProxy.available || Python.requiredInCI, "nginx is not installed: apt-get install nginx"))
    func challengeAndDocumentsThroughNginx() async throws {
        let listener = try await TestListener.start(HTTPProtocolServer(
            configuration: HTTPFixture.configuration(acme: { $0 == "Zx9_token-1" ? "Zx9_token-1.account-thumbprint" : nil }), role: .web))
        let nginx = try await NginxProxy.start(hatoPort: listener.port)
        let result = try await Python.run("""
            import sys, ssl, http.client
            http_port, https_port = int(sys.argv[1]), int(sys.argv[2])
            def get(conn, path, host):
                conn.request("GET", path, headers={"Host": host}); r = conn.getresponse()
                return r.status, r.getheader("Location"), r.read().decode()
            c = http.client.HTTPConnection("127.0.0.1", http_port, timeout=20)
            print(get(c, "/.well-known/acme-challenge/Zx9_token-1", "mail.example.test"))
            print(get(c, "/.well-known/acme-challenge/other", "mail.example.test"))
            print(get(c, "/mail/config-v1.1.xml", "autoconfig.example.test")[:2])
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            s = http.client.HTTPSConnection("127.0.0.1", https_port, timeout=20, context=ctx)
            status, _, body = get(s, "/.well-known/mta-sts.txt", "mta-sts.example.test")
            print(status, body.splitlines()[1])
            status, _, body = get(s, "/mail/config-v1.1.xml?emailaddress=alice%40example.test", "autoconfig.example.test")
            print(status, body.count("<incomingServer"))
            """, arguments: [String(nginx.httpPort), String(nginx.httpsPort)])
        await nginx.stop()
        try await listener.stop()
        #expect(result.stdout == """
            (200, None, 'Zx9_token-1.account-thumbprint')
            (404, None, 'not found\\n')
            (301, 'https://autoconfig.example.test/mail/config-v1.1.xml')
            200 mode: testing
            200 3

            """, "\(result.stderr)\n\(nginx.accessLog)")
    }
}
