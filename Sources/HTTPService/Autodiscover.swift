import Foundation
import MailCore

/// Microsoft Autodiscover in its "plain old XML" form (MS-OXDSCLI, the Outlook 2006a response
/// schema) that Outlook, Thunderbird and many phone clients POST to
/// `/autodiscover/autodiscover.xml`: the request names the address in `EMailAddress`, the answer
/// lists one `Protocol` per client-facing listener (`IMAP`, `POP3`, `SMTP`).
///
/// TLS is said twice, as clients read either: `SSL` is `on` for every listener (all need TLS),
/// and `Encryption` is `SSL` for implicit TLS and `TLS` for STARTTLS (MS-OXDSCLI's `Encryption`
/// element: "SSL" connects with TLS at once, "TLS" upgrades the connection; Thunderbird reads it
/// the same way). `SPA` (Microsoft's NTLM
/// login) is off; the login name is the whole address.
public enum Autodiscover {
    public static let contentType = "application/xml; charset=utf-8"
    static let responseSchema = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
    static let outlookSchema = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"

    /// The address a request body asks about (`<Request><EMailAddress>`), or nil.
    public static func requestedAddress(in body: String) -> EmailAddress? {
        guard let text = XMLText.firstElement("EMailAddress", in: body) else { return nil }
        return try? EmailAddress(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    public static func document(address: EmailAddress, settings: MailClientSettings) -> String {
        let login = XMLText.escaped(address.description)
        var lines = [
            #"<?xml version="1.0" encoding="utf-8"?>"#,
            #"<Autodiscover xmlns="\#(responseSchema)">"#,
            #"  <Response xmlns="\#(outlookSchema)">"#,
            "    <User>",
            "      <DisplayName>\(login)</DisplayName>",
            "    </User>",
            "    <Account>",
            "      <AccountType>email</AccountType>",
            "      <Action>settings</Action>",
        ]
        for endpoint in settings.endpoints {
            let type = switch endpoint.service { case .imap: "IMAP"; case .pop3: "POP3"; case .submission: "SMTP" }
            lines += [
                "      <Protocol>",
                "        <Type>\(type)</Type>",
                "        <Server>\(XMLText.escaped(endpoint.hostname))</Server>",
                "        <Port>\(endpoint.port)</Port>",
                "        <LoginName>\(login)</LoginName>",
                "        <DomainRequired>off</DomainRequired>",
                "        <SPA>off</SPA>",
                "        <SSL>on</SSL>",
                "        <AuthRequired>on</AuthRequired>",
            ]
            if endpoint.service == .submission {
                lines += ["        <UsePOPAuth>on</UsePOPAuth>", "        <SMTPLast>off</SMTPLast>"]
            }
            lines += [
                "        <Encryption>\(endpoint.security == .implicitTLS ? "SSL" : "TLS")</Encryption>",
                "      </Protocol>",
            ]
        }
        lines += ["    </Account>", "  </Response>", "</Autodiscover>", ""]
        return lines.joined(separator: "\n")
    }
}
