import Foundation
import HTTPService
import HatoTesting
import MailCore
import Testing

/// The three client set-up documents, generated from one `MailClientSettings` and read back by
/// Python's XML and plist parsers (not by our own code).
@Suite struct MailClientDocumentTests {
    @Test func endpointsAreOrderedImapFirstImplicitTLSFirst() {
        let ports = HTTPFixture.settings.endpoints.map(\.port)
        #expect(ports == [993, 143, 995, 465, 587])
        #expect(HTTPFixture.settings.incoming.map(\.port) == [993, 143, 995])
        #expect(HTTPFixture.settings.outgoing.map(\.port) == [465, 587])
    }

    @Test func autoconfigListsEveryListenerWithItsSocketType() async throws {
        let xml = ThunderbirdAutoconfig.document(domain: try Domain("example.test"), settings: HTTPFixture.settings)
        let result = try await Python.run("""
            import sys, xml.etree.ElementTree as ET
            root = ET.fromstring(sys.stdin.read() if False else sys.argv[1])
            assert root.tag == "clientConfig" and root.get("version") == "1.1"
            p = root.find("emailProvider"); print(p.get("id"), p.findtext("domain"))
            for s in p.findall("incomingServer") + p.findall("outgoingServer"):
                print(s.tag, s.get("type"), s.findtext("hostname"), s.findtext("port"), s.findtext("socketType"),
                      s.findtext("username"), s.findtext("authentication"))
            """, arguments: [xml])
        #expect(result.stdout == """
            example.test example.test
            incomingServer imap mail.example.test 993 SSL %EMAILADDRESS% password-cleartext
            incomingServer imap mail.example.test 143 STARTTLS %EMAILADDRESS% password-cleartext
            incomingServer pop3 mail.example.test 995 SSL %EMAILADDRESS% password-cleartext
            outgoingServer smtp mail.example.test 465 SSL %EMAILADDRESS% password-cleartext
            outgoingServer smtp mail.example.test 587 STARTTLS %EMAILADDRESS% password-cleartext

            """, "\(result.stderr)")
    }

    /// A quoted local part may hold `<`, `&` and quotes: they stay text, never markup.
    @Test func requestValuesAreEscaped() async throws {
        let address = try EmailAddress(#""</LoginName><x>&'"@example.test"#)
        let autodiscover = Autodiscover.document(address: address, settings: HTTPFixture.settings)
        let profile = try #require(AppleMailProfile.document(address: address, settings: HTTPFixture.settings))
        let result = try await Python.run("""
            import sys, plistlib, xml.etree.ElementTree as ET
            ns = {"r": "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"}
            root = ET.fromstring(sys.argv[1])
            names = [p.findtext("r:LoginName", namespaces=ns) for p in root.iterfind(".//r:Protocol", ns)]
            assert root.find(".//r:x", ns) is None and root.find(".//x") is None
            print(set(names))
            print(plistlib.loads(sys.argv[2].encode())["PayloadContent"][0]["EmailAddress"])
            """, arguments: [autodiscover, profile])
        let expected = address.description
        #expect(result.stdout == "{'\(expected.replacingOccurrences(of: "'", with: "\\'"))'}\n\(expected)\n", "\(result.stderr)")
    }

    @Test func autodiscoverRequestAddressIsRead() throws {
        let body = """
            <?xml version="1.0" encoding="utf-8"?>
            <Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
              <Request>
                <EMailAddress> alice@example.test </EMailAddress>
                <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
              </Request>
            </Autodiscover>
            """
        #expect(Autodiscover.requestedAddress(in: body)?.description == "alice@example.test")
        #expect(Autodiscover.requestedAddress(in: "<a:EMailAddress>b@example.test</a:EMailAddress>")?.description == "b@example.test")
        #expect(Autodiscover.requestedAddress(in: "<EMailAddress>not an address</EMailAddress>") == nil)
        #expect(Autodiscover.requestedAddress(in: "<EMailAddress/>") == nil)
        #expect(Autodiscover.requestedAddress(in: "no xml at all") == nil)
    }

    @Test func mobileconfigUUIDsAreStableAndValid() throws {
        let address = try EmailAddress("alice@example.test")
        let first = try #require(AppleMailProfile.document(address: address, settings: HTTPFixture.settings))
        let second = try #require(AppleMailProfile.document(address: address, settings: HTTPFixture.settings))
        #expect(first == second)
        let other = try #require(AppleMailProfile.document(address: try EmailAddress("bob@example.test"), settings: HTTPFixture.settings))
        #expect(first != other)
        #expect(AppleMailProfile.fileName(for: address) == "mail-alice-example.test.mobileconfig")
        #expect(AppleMailProfile.document(address: address, settings: MailClientSettings(endpoints: [])) == nil)
    }

    @Test func mtaSTSPolicyText() {
        let policy = MTASTSPolicy(mode: .enforce, maxAge: 99_999_999, mx: ["mail.example.test", "*.backup.example.test"])
        #expect(policy.text == "version: STSv1\r\nmode: enforce\r\nmx: mail.example.test\r\nmx: *.backup.example.test\r\nmax_age: 31557600\r\n")
    }
}
