import MailCore
import SMTPProtocol

/// The MAIL and RCPT command lines with the parameters the peer offers, and the checks that keep
/// caller data from changing the command (no CR, LF or brackets can reach the wire).
enum SMTPClientCommands {
    /// Longest address put in a path. RFC 5321 §4.5.3.1.3 makes peers accept 256 octets; longer
    /// ones (SRS, VERP) are sent and left to the peer up to this sanity bound.
    static let maxAddressLength = 1000

    static func checkAddress(_ address: String, role: String) throws(SMTPClientError) {
        guard address.utf8.count <= maxAddressLength else { throw .invalidEnvelope("\(role) address longer than \(maxAddressLength) octets") }
        for byte in address.utf8 where byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") {
            throw .invalidEnvelope("\(role) address contains a control character or an angle bracket")
        }
    }

    static func isASCII(_ text: String) -> Bool { text.utf8.allSatisfy { $0 < 0x80 } }

    //  "MAIL FROM:" Reverse-path [SP Mail-parameters] CRLF                    (RFC 5321 §4.1.1.2)
    //  SIZE=<octets> (RFC 1870 §6), BODY=8BITMIME (RFC 6152 §2), SMTPUTF8 (RFC 6531 §3.4),
    //  RET=FULL/HDRS and ENVID=xtext (RFC 3461 §4.3-4.4), REQUIRETLS (RFC 8689 §2)
    static func mail(_ envelope: SMTPClientEnvelope, size: Int, eightBitMIME: Bool, smtpUTF8: Bool,
                     capabilities: SMTPServerCapabilities) -> String {
        var line = "MAIL FROM:<\(envelope.mailFrom ?? "")>"
        if capabilities.size { line += " SIZE=\(size)" }
        if eightBitMIME { line += " BODY=8BITMIME" }
        if smtpUTF8 { line += " SMTPUTF8" }
        if envelope.requireTLS && capabilities.requireTLS { line += " REQUIRETLS" }
        if capabilities.dsn {
            if let ret = envelope.returnContent.map({ $0.uppercased() }), SMTPDSNReturn(rawValue: ret) != nil {
                line += " RET=\(ret)"
            }
            if let id = envelope.envelopeID, !id.isEmpty, id.utf8.count <= SMTPLimits.maxEnvelopeIDLength,
               id.utf8.allSatisfy({ (32...126).contains($0) }) {
                line += " ENVID=\(SMTPXText.encode(id.utf8))"
            }
        }
        return line
    }

    //  "RCPT TO:" Forward-path [SP Rcpt-parameters] CRLF                       (RFC 5321 §4.1.1.3)
    //  notify-esmtp-value = "NEVER" / 1#notify-list-element                     (RFC 3461 §4.1)
    //  orcpt-parameter = "ORCPT=" addr-type ";" xtext                          (RFC 3461 §4.2)
    static func rcpt(_ recipient: SMTPClientRecipient, capabilities: SMTPServerCapabilities) -> String {
        var line = "RCPT TO:<\(recipient.address)>"
        guard capabilities.dsn else { return line }
        if let notify = recipient.dsn.notify {
            line += " NOTIFY=\(notify)"
        }
        if let original = recipient.dsn.originalRecipient, let orcpt = originalRecipient(original) {
            line += " ORCPT=\(orcpt)"
        }
        return line
    }

    /// "rfc822;bob@example.org" with the address xtext-encoded; nil when the type is not an atom
    /// of letters, digits and hyphens or the result would break the parameter limit (RFC 3461 §4.2: 500).
    static func originalRecipient(_ value: OriginalRecipient) -> String? {
        let type = value.addressType, address = value.address
        guard !type.isEmpty, type.utf8.allSatisfy({ byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
        }) else { return nil }
        guard !address.isEmpty else { return nil }
        let encoded = "\(type);\(SMTPXText.encode(address.utf8))"
        return encoded.utf8.count <= SMTPLimits.maxOriginalRecipientLength ? encoded : nil
    }
}
