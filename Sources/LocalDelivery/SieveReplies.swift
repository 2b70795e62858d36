import Foundation
import MailMessage
import SieveProtocol

/// Vacation responses (RFC 5230, RFC 3834): the decisions and the bytes; LocalDelivery queues
/// them (rejections: SieveRejection).
enum SieveReplies {
    /// List and bulk markers (RFC 2369, RFC 2919): no vacation response to mailing lists (RFC 5230 §4.5).
    static let listFields = ["List-Id", "List-Help", "List-Subscribe", "List-Unsubscribe", "List-Post", "List-Owner", "List-Archive"]

    /// Why no vacation response goes to this message, or nil when one may (RFC 5230 §4.5-4.6, RFC 3834 §2).
    static func vacationRefusal(header: HeaderSection, sender: String, recipient: String, addresses: [String]) -> String? {
        if sender.isEmpty { return "null sender" }
        if let auto = header["Auto-Submitted"], auto.trimmingCharacters(in: .whitespaces).lowercased() != "no" { return "auto-submitted" }
        if let precedence = header["Precedence"]?.trimmingCharacters(in: .whitespaces).lowercased(),
           ["bulk", "list", "junk"].contains(precedence) { return "precedence \(precedence)" }
        if listFields.contains(where: { header.field($0) != nil }) { return "mailing list" }
        let local = sender.split(separator: "@").first.map { $0.lowercased() } ?? ""
        // RFC 5230 §4.6: addresses that are never people.
        if local == "mailer-daemon" || local == "listserv" || local == "majordomo" || local.hasPrefix("owner-")
            || local.hasSuffix("-request") || local.hasSuffix("-owner") || local == "postmaster" { return "system sender" }
        let mine = Set(([recipient] + addresses).map { $0.lowercased() })
        if mine.contains(sender.lowercased()) { return "own address" }
        // RFC 5230 §4.5: only when one of the user's addresses is a visible recipient.
        let visible = ["To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc"].flatMap { name in
            header.fields(named: name).flatMap { AddressParser.parseList($0.unfoldedValue).mailboxes.map { $0.address.lowercased() } }
        }
        if !visible.contains(where: mine.contains) { return "recipient not in To/Cc/Bcc" }
        return nil
    }

    /// RFC 5230 §4.4-4.7: To the envelope sender, "Auto:" before the original subject unless
    /// :subject was given, In-Reply-To/References, `Auto-Submitted: auto-replied` (RFC 3834 §5).
    /// Non-ASCII subjects become RFC 2047 encoded words, bodies UTF-8.
    static func vacationMessage(_ reply: SieveVacationReply, original: HeaderSection, sender: String, recipient: String, date: Date) -> [UInt8] {
        var builder = MessageBuilder()
        builder.from = [reply.from.flatMap { AddressParser.parseList($0).mailboxes.first } ?? Mailbox(address: recipient)]
        builder.to = [Mailbox(address: sender)]
        builder.subject = reply.subject ?? "Auto: " + (original.subject ?? "")
        builder.date = date
        builder.timeZone = TimeZone(identifier: "UTC") ?? .current
        if let id = original.messageID {
            builder.inReplyTo = [id]
            builder.references = original.references + [id]
        }
        builder.extraHeaders = [("Auto-Submitted", "auto-replied")]
        guard reply.mime else {
            builder.textBody = reply.reason
            return builder.build()
        }
        // :mime: the reason is a MIME entity of its own (RFC 5230 §4.1); our fields go above it.
        builder.textBody = ""
        let built = builder.build()
        let headerEnd = built.firstRange(of: Array("MIME-Version: 1.0\r\n".utf8))?.lowerBound ?? built.count
        let entity = reply.reason.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        return Array(built[..<headerEnd]) + Array("MIME-Version: 1.0\r\n".utf8) + Array(entity.utf8)
    }
}
