import Foundation
import HatoTesting
import Testing

/// `hato serve` with HTTP, HTTPS and admin listeners: the client set-up documents describe the
/// listeners the server really bound, and clients that read them (a Thunderbird-style autoconfig
/// reader, an Autodiscover reader and an Apple-profile reader, written here in Python) log in and
/// send mail with what they found.
@Suite struct HTTPServeTests {
    static let listeners = """
        [listen]
        smtp = ["127.0.0.1:0"]
        submission = ["127.0.0.1:0"]
        submissions = ["127.0.0.1:0"]
        imap = ["127.0.0.1:0"]
        imaps = ["127.0.0.1:0"]
        pop3s = ["127.0.0.1:0"]
        http = ["127.0.0.1:0"]
        https = ["127.0.0.1:0"]
        admin = ["127.0.0.1:0"]
        [accounts]
        scram_iterations = 4096

        """

    static func ports(_ served: ServedHato) throws -> String {
        let kinds = ["smtp", "submission", "submissions", "imap", "imaps", "pop3s", "http", "https", "admin"]
        return "{" + (try kinds.map { "\"\($0)\": \(try served.port($0))" }.joined(separator: ", ")) + "}"
    }

    @Test func clientDocumentsDescribeTheBoundListeners() async throws {
        let served = try await ServedHato.start(Self.listeners + """
            [mta_sts]
            mode = "enforce"
            max_age = "1d"
            mx = ["mail.example.test", "*.backup.example.test"]
            """, accounts: [("alice@example.test", "alice long pw")])
        let result = try await Python.run(Self.readers + """
            email, password = "alice@example.test", "alice long pw"
            status, ctype, xml = fetch("http", "GET", "/mail/config-v1.1.xml?emailaddress=alice%40example.test", "autoconfig.example.test")
            print("autoconfig", status, ctype)
            root = ET.fromstring(xml)
            for s in root.iter():
                if s.tag in ("incomingServer", "outgoingServer"):
                    print(" ", s.get("type"), s.findtext("hostname"), s.findtext("port"), s.findtext("socketType"), s.findtext("authentication"))
            incoming, outgoing = thunderbird_reader(xml, email)
            use(incoming, outgoing, email, password, "via autoconfig")
            status, _, same = fetch("https", "GET", "/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=alice%40example.test", "example.test")
            print("well-known over https", status, same == xml)

            body = AUTODISCOVER_REQUEST.replace("EMAIL", email)
            status, ctype, xml = fetch("https", "POST", "/autodiscover/autodiscover.xml", "autodiscover.example.test", body)
            print("autodiscover", status, ctype)
            incoming, outgoing = autodiscover_reader(xml)
            print(" ", incoming); print(" ", outgoing)
            use(incoming, outgoing, email, password, "via autodiscover")

            status, ctype, profile = fetch("http", "GET", "/apple/mobileconfig?emailaddress=alice%40example.test", "mail.example.test")
            print("mobileconfig", status, ctype)
            incoming, outgoing = apple_reader(profile.encode())
            print(" ", incoming); print(" ", outgoing)
            use(incoming, outgoing, email, password, "via mobileconfig")

            status, ctype, policy = fetch("https", "GET", "/.well-known/mta-sts.txt", "mta-sts.example.test")
            fields, mx = parse_sts(policy)
            print("mta-sts", status, ctype, fields, mx)
            print("healthz", fetch("http", "GET", "/healthz", "mail.example.test")[0], fetch("admin", "GET", "/healthz", "localhost")[0])
            """, arguments: [try Self.ports(served)])
        let p = { (kind: String) in (try? served.port(kind)) ?? "?" }
        #expect(result.stdout == """
            autoconfig 200 application/xml; charset=utf-8
              imap mail.example.test \(p("imaps")) SSL password-cleartext
              imap mail.example.test \(p("imap")) STARTTLS password-cleartext
              pop3 mail.example.test \(p("pop3s")) SSL password-cleartext
              smtp mail.example.test \(p("submissions")) SSL password-cleartext
              smtp mail.example.test \(p("submission")) STARTTLS password-cleartext
              logged in via autoconfig: imap \(p("imaps")) SSL, smtp \(p("submissions")) SSL
            well-known over https 200 True
            autodiscover 200 application/xml; charset=utf-8
              ('IMAP', 'mail.example.test', \(p("imaps")), 'SSL', 'alice@example.test')
              ('SMTP', 'mail.example.test', \(p("submissions")), 'SSL', 'alice@example.test')
              logged in via autodiscover: imap \(p("imaps")) SSL, smtp \(p("submissions")) SSL
            mobileconfig 200 application/x-apple-aspen-config
              ('IMAP', 'mail.example.test', \(p("imaps")), 'SSL', 'alice@example.test')
              ('SMTP', 'mail.example.test', \(p("submissions")), 'SSL', 'alice@example.test')
              logged in via mobileconfig: imap \(p("imaps")) SSL, smtp \(p("submissions")) SSL
            mta-sts 200 text/plain; charset=us-ascii {'version': 'STSv1', 'mode': 'enforce', 'max_age': '86400'} ['mail.example.test', '*.backup.example.test']
            healthz 200 200

            """, "\(result.stderr)")
        // Each reader sent one message to alice with the settings it found.
        let count = try await Python.run("""
            import imaplib, ssl, sys
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            m = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=ctx); m.login("alice@example.test", "alice long pw")
            print(m.select("INBOX")[1][0].decode()); m.logout()
            """, arguments: [try served.port("imaps")])
        #expect(count.stdout == "3\n", "\(count.stderr)")
        #expect(await served.terminate() == 0)
    }

    /// Python helpers: `fetch(listener, method, path, host, body)` over http.client (TLS without
    /// verification: the certificate is self-signed), the three readers, `use()` logging in with
    /// what a reader found, and `parse_sts()` checking a policy against RFC 8461 §3.2's ABNF.
    static let readers = #"""
        import sys, json, ssl, re, http.client, imaplib, poplib, smtplib, plistlib, xml.etree.ElementTree as ET
        PORTS = json.loads(sys.argv[1])
        CTX = ssl.create_default_context(); CTX.check_hostname = False; CTX.verify_mode = ssl.CERT_NONE
        HOSTS = {"mail.example.test": "127.0.0.1"}  # the test has no DNS for the advertised name

        def fetch(listener, method, path, host, body=None):
            if listener == "https":
                c = http.client.HTTPSConnection("127.0.0.1", PORTS["https"], timeout=20, context=CTX)
            else:
                c = http.client.HTTPConnection("127.0.0.1", PORTS[listener], timeout=20)
            c.request(method, path, body=body, headers={"Host": host, "Content-Type": "text/xml"})
            r = c.getresponse(); data = r.read().decode(); c.close()
            return r.status, r.getheader("Content-Type"), data

        def thunderbird_reader(xml, email):
            """Like Thunderbird: the first IMAP server (else POP3), the first SMTP server, placeholders filled."""
            provider = ET.fromstring(xml).find("emailProvider")
            def pick(tag, types):
                for t in types:
                    for s in provider.findall(tag):
                        if s.get("type") == t: return s
            def settings(s):
                user = s.findtext("username").replace("%EMAILADDRESS%", email)
                return (s.get("type"), s.findtext("hostname"), int(s.findtext("port")), s.findtext("socketType"), user)
            return settings(pick("incomingServer", ["imap", "pop3"])), settings(pick("outgoingServer", ["smtp"]))

        AUTODISCOVER_REQUEST = '<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>EMAIL</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>'

        def autodiscover_reader(xml):
            """Like Outlook and Thunderbird: the first IMAP and SMTP Protocol; Encryption SSL or TLS (STARTTLS), else SSL on/off."""
            ns = {"a": "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"}
            found = {}
            for p in ET.fromstring(xml).iterfind(".//a:Account/a:Protocol", ns):
                kind = p.findtext("a:Type", namespaces=ns)
                if kind in found: continue
                encryption = p.findtext("a:Encryption", namespaces=ns) or ("SSL" if p.findtext("a:SSL", namespaces=ns) == "on" else "None")
                found[kind] = (kind, p.findtext("a:Server", namespaces=ns), int(p.findtext("a:Port", namespaces=ns)),
                               {"SSL": "SSL", "TLS": "STARTTLS"}[encryption], p.findtext("a:LoginName", namespaces=ns))
            return found["IMAP"], found["SMTP"]

        def apple_reader(data):
            """Like iOS: the com.apple.mail.managed payload; UseSSL true is TLS from the start."""
            account = [p for p in plistlib.loads(data)["PayloadContent"] if p["PayloadType"] == "com.apple.mail.managed"][0]
            kind = "IMAP" if account["EmailAccountType"] == "EmailTypeIMAP" else "POP"
            incoming = (kind, account["IncomingMailServerHostName"], account["IncomingMailServerPortNumber"],
                        "SSL" if account["IncomingMailServerUseSSL"] else "STARTTLS", account["IncomingMailServerUsername"])
            outgoing = ("SMTP", account["OutgoingMailServerHostName"], account["OutgoingMailServerPortNumber"],
                        "SSL" if account["OutgoingMailServerUseSSL"] else "STARTTLS", account["OutgoingMailServerUsername"])
            return incoming, outgoing

        def use(incoming, outgoing, email, password, how):
            kind, host, port, socket_type, user = incoming
            address = HOSTS[host]
            if kind.lower() == "imap":
                m = imaplib.IMAP4_SSL(address, port, ssl_context=CTX) if socket_type == "SSL" else imaplib.IMAP4(address, port)
                if socket_type == "STARTTLS": m.starttls(ssl_context=CTX)
                m.login(user, password); m.select("INBOX"); m.logout()
            else:
                p = poplib.POP3_SSL(address, port, context=CTX) if socket_type == "SSL" else poplib.POP3(address, port)
                if socket_type == "STARTTLS": p.stls(context=CTX)
                p.user(user); p.pass_(password); p.quit()
            kind2, host2, port2, socket2, user2 = outgoing
            s = smtplib.SMTP_SSL(HOSTS[host2], port2, context=CTX) if socket2 == "SSL" else smtplib.SMTP(HOSTS[host2], port2)
            if socket2 == "STARTTLS": s.starttls(context=CTX)
            s.login(user2, password)
            s.sendmail(email, [email], ("From: %s\r\nSubject: %s\r\n\r\nsent with settings found %s\r\n" % (email, how, how)).encode())
            s.quit()
            print("  logged in %s: %s %d %s, %s %d %s" % (how, kind.lower(), port, socket_type, kind2.lower(), port2, socket2))

        LDH = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
        def parse_sts(text):
            """RFC 8461 §3.2: fields separated by LF or CRLF, name ':' *WSP value, version/mode/max_age once, mx patterns."""
            lines = re.split(r"\r?\n", text)
            if lines[-1] == "": lines.pop()
            fields, mx = {}, []
            for line in lines:
                m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9_.-]{0,31}):[ \t]*([!-~](?:[ !-~]*[!-~])?)[ \t]*", line)
                assert m, "not a policy field: %r" % line
                key, value = m.groups()
                if key == "mx": mx.append(value)
                else: fields.setdefault(key, value)
            assert fields["version"] == "STSv1"
            assert fields["mode"] in ("testing", "enforce", "none")
            assert re.fullmatch(r"[0-9]{1,10}", fields["max_age"]) and int(fields["max_age"]) <= 31557600
            assert mx or fields["mode"] == "none"
            for value in mx:
                assert re.fullmatch(r"(?:\*\.)?" + LDH + r"(?:\." + LDH + r")*", value), value
            return fields, mx

        """#
}
