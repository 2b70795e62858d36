import Foundation
import MailMessage

/// The rejection a `reject`/`ereject` sends when the message was not refused in the SMTP
/// transaction (RFC 5429 §2.1.1): an MDN (RFC 8098) in an RFC 6522 multipart/report with the
/// disposition "deleted", the reason in the human-readable part and the original header.
enum SieveRejection {
    static func message(reason: String, original: ReceivedMessage, sender: String, recipient: String, hostname: String?,
                        date: Date, boundary: String = "hato-mdn-\(UUID().uuidString.lowercased())") -> [UInt8] {
        let domain = hostname ?? recipient.split(separator: "@").last.map(String.init) ?? "localhost"
        var head = "From: Mail Delivery System <MAILER-DAEMON@\(recipient.split(separator: "@").last.map(String.init) ?? domain)>\r\n"
        head += "To: <\(sender)>\r\n"
        head += HeaderSection.unstructuredField(name: "Subject", value: "Rejected: " + (original.header.subject ?? "your message"))
        head += "Date: \(rfc5322Date(date))\r\n"
        head += "Message-ID: <\(UUID().uuidString.lowercased())@\(domain)>\r\n"
        if let id = original.header.messageID { head += "In-Reply-To: <\(id)>\r\n" }
        // RFC 3834 §5: automatic, so responders do not answer it.
        head += "Auto-Submitted: auto-replied (rejected)\r\n"
        head += "MIME-Version: 1.0\r\n"
        head += "Content-Type: multipart/report; report-type=disposition-notification;\r\n\tboundary=\"\(boundary)\"\r\n\r\n"
        head += "This is a MIME-encapsulated message disposition notification.\r\n\r\n"
        head += "--\(boundary)\r\n"
        // The reason may be any text the script's author wrote: UTF-8 in base64, so 7bit transport carries it.
        head += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        let text = "Your message to <\(recipient)> was automatically rejected by the recipient's mail filter:\r\n\r\n"
            + reason.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n") + "\r\n"
        head += Data(text.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        head += "\r\n\r\n--\(boundary)\r\n"
        // RFC 8098 §3.1-3.2: the machine-readable part.
        head += "Content-Type: message/disposition-notification\r\n\r\n"
        head += "Reporting-UA: \(domain); Hato\r\n"
        head += "Final-Recipient: rfc822; \(recipient)\r\n"
        if let id = original.header.messageID { head += "Original-Message-ID: <\(id)>\r\n" }
        head += "Disposition: automatic-action/MDN-sent-automatically; deleted\r\n"
        head += "\r\n--\(boundary)\r\n"
        head += "Content-Type: text/rfc822-headers\r\n\r\n"
        var bytes = Array(head.utf8)
        bytes += original.bytes.prefix(original.header.range.length)
        if bytes.suffix(2) != [0x0D, 0x0A] { bytes += [0x0D, 0x0A] }
        bytes += Array("\r\n--\(boundary)--\r\n".utf8)
        return bytes
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
