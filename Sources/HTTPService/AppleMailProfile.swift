import Crypto
import MailCore

/// An Apple configuration profile (`.mobileconfig`, a property list with one
/// `com.apple.mail.managed` payload) that adds a mail account on iOS, iPadOS and macOS. Apple
/// devices do not read autoconfig or Autodiscover, so the user downloads this from
/// `/apple/mobileconfig?emailaddress=` and opens it.
///
/// The profile is not signed: the device shows it as "Unverified" before installing. It holds no
/// password (the device asks for it). The account is the first incoming and the first outgoing
/// endpoint (implicit TLS preferred, RFC 8314). Apple's `UseSSL` means TLS from the first byte, so
/// it is true for implicit-TLS listeners and false for STARTTLS ones, where the device upgrades
/// on its own; the format cannot require STARTTLS, which is one more reason to run `imaps` and
/// `submissions`.
public enum AppleMailProfile {
    public static let contentType = "application/x-apple-aspen-config"

    /// The download's file name (`Content-Disposition`): only letters, digits, `-` and `.`.
    public static func fileName(for address: EmailAddress) -> String {
        let safe = address.canonical.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") ? $0 : "-" }
        return "mail-" + String(safe) + ".mobileconfig"
    }

    /// The profile for `address`, or nil when `settings` has no incoming or outgoing endpoint.
    public static func document(address: EmailAddress, settings: MailClientSettings) -> String? {
        guard let incoming = settings.incoming.first, let outgoing = settings.outgoing.first else { return nil }
        let identifier = address.domain.name.split(separator: ".").reversed().joined(separator: ".") + ".email." + address.localPart
        let account: [(String, PlistValue)] = [
            ("EmailAccountDescription", .string(address.description)),
            ("EmailAccountName", .string(address.description)),
            ("EmailAccountType", .string(incoming.service == .imap ? "EmailTypeIMAP" : "EmailTypePOP")),
            ("EmailAddress", .string(address.description)),
            ("IncomingMailServerAuthentication", .string(authentication(incoming))),
            ("IncomingMailServerHostName", .string(incoming.hostname)),
            ("IncomingMailServerPortNumber", .integer(incoming.port)),
            ("IncomingMailServerUseSSL", .bool(incoming.security == .implicitTLS)),
            ("IncomingMailServerUsername", .string(address.description)),
            ("OutgoingMailServerAuthentication", .string(authentication(outgoing))),
            ("OutgoingMailServerHostName", .string(outgoing.hostname)),
            ("OutgoingMailServerPortNumber", .integer(outgoing.port)),
            ("OutgoingMailServerUseSSL", .bool(outgoing.security == .implicitTLS)),
            ("OutgoingMailServerUsername", .string(address.description)),
            ("OutgoingPasswordSameAsIncomingPassword", .bool(true)),
            ("PayloadDisplayName", .string("Mail account \(address.description)")),
            ("PayloadIdentifier", .string(identifier + ".account")),
            ("PayloadType", .string("com.apple.mail.managed")),
            ("PayloadUUID", .string(uuid(address, "account"))),
            ("PayloadVersion", .integer(1)),
        ]
        let profile: [(String, PlistValue)] = [
            ("PayloadContent", .array([.dictionary(account)])),
            ("PayloadDescription", .string("Adds the mail account \(address.description) (\(incoming.hostname)).")),
            ("PayloadDisplayName", .string("Mail: \(address.description)")),
            ("PayloadIdentifier", .string(identifier)),
            ("PayloadRemovalDisallowed", .bool(false)),
            ("PayloadType", .string("Configuration")),
            ("PayloadUUID", .string(uuid(address, "profile"))),
            ("PayloadVersion", .integer(1)),
        ]
        return #"""
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
            <plist version="1.0">

            """# + PlistValue.dictionary(profile).xml(indent: "") + "</plist>\n"
    }

    static func authentication(_ endpoint: MailClientSettings.Endpoint) -> String {
        endpoint.authentication == .passwordCleartext ? "EmailAuthPassword" : "EmailAuthCRAMMD5"
    }

    /// A name-based UUID (RFC 9562 §5.5, version 5, SHA-1) of the address and the payload's
    /// role: the same on every download, so installing the profile again replaces the old one.
    static func uuid(_ address: EmailAddress, _ role: String) -> String {
        // The RFC 9562 DNS namespace; the name is ours.
        let namespace: [UInt8] = [0x6B, 0xA7, 0xB8, 0x10, 0x9D, 0xAD, 0x11, 0xD1, 0x80, 0xB4, 0x00, 0xC0, 0x4F, 0xD4, 0x30, 0xC8]
        var bytes = Array(Insecure.SHA1.hash(data: namespace + Array("hato.mobileconfig.\(role).\(address.canonical)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String($0, radix: 16, uppercase: true).leftPadded(to: 2) }.joined()
        let groups = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(hex.dropFirst(range.lowerBound).prefix(range.count))
        }
        return groups.joined(separator: "-")
    }
}

/// The property-list values the profile uses, written as Apple's XML plist (keys in the order given).
indirect enum PlistValue {
    case string(String)
    case integer(Int)
    case bool(Bool)
    case array([PlistValue])
    case dictionary([(String, PlistValue)])

    func xml(indent: String) -> String {
        switch self {
        case .string(let text): return "\(indent)<string>\(XMLText.escaped(text))</string>\n"
        case .integer(let value): return "\(indent)<integer>\(value)</integer>\n"
        case .bool(let value): return "\(indent)<\(value ? "true" : "false")/>\n"
        case .array(let items): return "\(indent)<array>\n" + items.map { $0.xml(indent: indent + "\t") }.joined() + "\(indent)</array>\n"
        case .dictionary(let entries):
            return "\(indent)<dict>\n" + entries.map { key, value in
                "\(indent)\t<key>\(XMLText.escaped(key))</key>\n" + value.xml(indent: indent + "\t")
            }.joined() + "\(indent)</dict>\n"
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
