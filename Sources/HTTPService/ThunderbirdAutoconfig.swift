import MailCore

/// Thunderbird's autoconfig document, `config-v1.1.xml` (the "clientConfig" format Thunderbird,
/// K-9/Thunderbird for Android, Evolution and KMail read), for one mail domain. Served at
/// `/mail/config-v1.1.xml` (on `autoconfig.<domain>`) and
/// `/.well-known/autoconfig/mail/config-v1.1.xml` (on the domain itself), both with
/// `?emailaddress=`.
///
/// `socketType` is `SSL` for implicit TLS and `STARTTLS` for STARTTLS; `username` is the
/// `%EMAILADDRESS%` placeholder clients fill in, since a Hato login is the whole address.
public enum ThunderbirdAutoconfig {
    public static let contentType = "application/xml; charset=utf-8"

    public static func document(domain: Domain, settings: MailClientSettings) -> String {
        let name = XMLText.escaped(domain.name)
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            #"<clientConfig version="1.1">"#,
            #"  <emailProvider id="\#(name)">"#,
            "    <domain>\(name)</domain>",
            "    <displayName>\(name) mail</displayName>",
            "    <displayShortName>\(name)</displayShortName>",
        ]
        for endpoint in settings.incoming {
            lines += server("incomingServer", type: endpoint.service == .imap ? "imap" : "pop3", endpoint)
        }
        for endpoint in settings.outgoing {
            lines += server("outgoingServer", type: "smtp", endpoint)
        }
        lines += ["  </emailProvider>", "</clientConfig>", ""]
        return lines.joined(separator: "\n")
    }

    static func server(_ element: String, type: String, _ endpoint: MailClientSettings.Endpoint) -> [String] {
        [
            #"    <\#(element) type="\#(type)">"#,
            "      <hostname>\(XMLText.escaped(endpoint.hostname))</hostname>",
            "      <port>\(endpoint.port)</port>",
            "      <socketType>\(endpoint.security == .implicitTLS ? "SSL" : "STARTTLS")</socketType>",
            "      <username>%EMAILADDRESS%</username>",
            "      <authentication>\(endpoint.authentication == .passwordCleartext ? "password-cleartext" : "password-encrypted")</authentication>",
            "    </\(element)>",
        ]
    }
}
