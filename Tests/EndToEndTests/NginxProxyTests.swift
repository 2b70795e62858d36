import Foundation
import HatoTesting
import Testing

/// docs/deployment.md's nginx configuration (read from the file) in front of `hato serve`'s
/// HTTP listener on a loopback port, as on a host where nginx already owns 80 and 443.
@Suite struct NginxProxyTests {
    @Test(.enabled(if: NginxProxy.available || Python.requiredInCI, "nginx is not installed: apt-get install nginx"))
    func documentedNginxConfigurationServesHatosDocuments() async throws {
        let served = try await ServedHato.start("""
            [listen]
            imaps = ["127.0.0.1:0"]
            submissions = ["127.0.0.1:0"]
            http = ["127.0.0.1:0"]
            """, accounts: [("alice@example.test", "alice long pw")])
        let nginx = try await NginxProxy.start(hatoPort: Int(try served.port("http"))!)
        let result = try await Python.run("""
            import sys, ssl, http.client, xml.etree.ElementTree as ET
            http_port, https_port = int(sys.argv[1]), int(sys.argv[2])
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            def get(conn, method, path, host, body=None):
                conn.request(method, path, body=body, headers={"Host": host}); r = conn.getresponse()
                return r.status, r.getheader("Location"), r.read().decode()
            plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=20)
            print(get(plain, "GET", "/.well-known/acme-challenge/no-such-token", "mail.example.test"))
            print(get(plain, "GET", "/mail/config-v1.1.xml?emailaddress=alice%40example.test", "autoconfig.example.test")[:2])
            tls = http.client.HTTPSConnection("127.0.0.1", https_port, timeout=20, context=ctx)
            status, _, xml = get(tls, "GET", "/mail/config-v1.1.xml?emailaddress=alice%40example.test", "autoconfig.example.test")
            servers = [(s.get("type"), s.findtext("port"), s.findtext("socketType")) for s in ET.fromstring(xml).iter() if s.tag.endswith("Server")]
            print(status, servers)
            status, _, xml = get(tls, "GET", "/mail/config-v1.1.xml", "autoconfig.example.test")
            print(status, xml.count("<incomingServer"))
            print(get(tls, "GET", "/.well-known/mta-sts.txt", "mta-sts.example.test")[2].splitlines()[:2])
            status, _, xml = get(tls, "POST", "/Autodiscover/Autodiscover.xml", "autodiscover.example.test",
                "<Autodiscover><Request><EMailAddress>alice@example.test</EMailAddress></Request></Autodiscover>")
            print(status, xml.count("<Protocol>"))
            """, arguments: [String(nginx.httpPort), String(nginx.httpsPort)])
        await nginx.stop()
        let imaps = (try? served.port("imaps")) ?? "?", submissions = (try? served.port("submissions")) ?? "?"
        #expect(result.stdout == """
            (404, None, 'not found\\n')
            (301, 'https://autoconfig.example.test/mail/config-v1.1.xml?emailaddress=alice%40example.test')
            200 [('imap', '\(imaps)', 'SSL'), ('smtp', '\(submissions)', 'SSL')]
            200 1
            ['version: STSv1', 'mode: testing']
            200 2

            """, "\(result.stderr)\n\(nginx.accessLog)")
        #expect(await served.terminate() == 0)
    }
}
