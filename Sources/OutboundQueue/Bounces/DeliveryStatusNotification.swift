import Foundation
import MailStore

/// One recipient's line in a DSN (RFC 3464 §2.3).
public struct RecipientReport: Sendable, Equatable {
    /// RFC 3464 §2.3.3 actions Hato reports.
    public enum Action: String, Sendable {
        case failed, delayed, relayed
    }
    public var recipient: QueuedRecipient
    public var action: Action
    /// RFC 3463 status: the reply's enhanced code, or one derived from the reply code.
    public var status: String
    /// The host that gave the reply (Remote-MTA); nil when the failure was ours (DNS, connection).
    public var remoteMTA: String?
    /// The remote reply, or our own reason when `remoteMTA` is nil.
    public var diagnostic: String
    public var lastAttempt: Date

    public init(recipient: QueuedRecipient, action: Action, status: String, remoteMTA: String?, diagnostic: String, lastAttempt: Date) {
        self.recipient = recipient
        self.action = action
        self.status = status
        self.remoteMTA = remoteMTA
        self.diagnostic = diagnostic
        self.lastAttempt = lastAttempt
    }

    /// RFC 3463 §3.1: the enhanced code when the peer gave one, else the class of the reply code.
    public static func status(of reply: DeliveryReply) -> String {
        if let enhanced = reply.enhancedCode { return enhanced }
        return reply.isPermanent ? "5.0.0" : "4.0.0"
    }
}

/// Builds a delivery status notification: RFC 3464 multipart/report (RFC 6522) with a text part,
/// message/delivery-status and the original headers (RET=HDRS, the default) or the whole message
/// (RET=FULL). Internationalised addresses use the RFC 6533 message/global-* types.
public struct DeliveryStatusNotification: Sendable {
    public var hostname: String
    public var message: QueuedMessage
    public var reports: [RecipientReport]
    public var now: Date
    /// For delay reports: when the queue gives up (RFC 3464 §2.3.9 Will-Retry-Until).
    public var willRetryUntil: Date?

    public init(hostname: String, message: QueuedMessage, reports: [RecipientReport], now: Date = Date(), willRetryUntil: Date? = nil) {
        self.hostname = hostname
        self.message = message
        self.reports = reports
        self.now = now
        self.willRetryUntil = willRetryUntil
    }

    /// The DSN's own From address: `MAILER-DAEMON@hostname`.
    public var sender: String { "MAILER-DAEMON@\(hostname)" }

    /// The complete message, CRLF line endings, ready to deliver or enqueue.
    public func build(original: [UInt8]) -> [UInt8] {
        let international = message.smtpUTF8 || reports.contains { !$0.recipient.address.description.allSatisfy(\.isASCII) }
        let boundary = "hato-dsn-\(UUID().uuidString.lowercased())"
        let failed = reports.contains { $0.action == .failed }
        let relayed = !failed && reports.allSatisfy { $0.action == .relayed }
        var head = ""
        head += "From: Mail Delivery System <\(sender)>\r\n"
        head += "To: <\(message.mailFrom?.description ?? "")>\r\n"
        head += "Subject: " + (failed ? "Undelivered Mail Returned to Sender"
                               : relayed ? "Successful Mail Delivery Report" : "Delayed Mail (still being retried)") + "\r\n"
        head += "Date: \(Self.rfc5322Date(now))\r\n"
        head += "Message-ID: <\(UUID().uuidString.lowercased())@\(hostname)>\r\n"
        // RFC 3834 §5: an automatic reply, so that responders do not answer it.
        head += "Auto-Submitted: auto-replied\r\n"
        head += "MIME-Version: 1.0\r\n"
        head += "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"\(boundary)\"\r\n"
        head += "\r\n"
        head += "This is a MIME-encapsulated delivery status notification.\r\n\r\n"
        head += "--\(boundary)\r\n"
        head += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        head += humanReadable(failed: failed, relayed: relayed)
        head += "\r\n--\(boundary)\r\n"
        head += "Content-Type: message/\(international ? "global-" : "")delivery-status\r\n\r\n"
        head += deliveryStatus(international: international)
        head += "\r\n--\(boundary)\r\n"
        var bytes = Array(head.utf8)
        // RFC 3461 §4.3: RET=FULL applies to reports of failure; others return the headers only.
        // RFC 8689 §5: a REQUIRETLS message is bounced as with RET=HDRS, whatever RET said.
        let full = failed && message.returnContent?.uppercased() == "FULL" && message.tlsRequirement != .required
        if full {
            bytes += Array("Content-Type: message/\(international ? "global" : "rfc822")\r\n\r\n".utf8)
            bytes += original
            if !original.ends(with: [13, 10]) { bytes += [13, 10] }
        } else {
            bytes += Array("Content-Type: \(international ? "message/global-headers" : "text/rfc822-headers")\r\n\r\n".utf8)
            bytes += Self.headerSection(of: original)
        }
        bytes += Array("\r\n--\(boundary)--\r\n".utf8)
        return bytes
    }

    func humanReadable(failed: Bool, relayed: Bool) -> String {
        var text = "This is the mail system at \(hostname).\r\n\r\n"
        if relayed {
            text += "Your message was delivered to the mail servers of the recipients below, as you asked.\r\n"
            text += "Those servers cannot confirm delivery to the mailbox: unless it fails there,\r\n"
            text += "this is the only report you will receive for them.\r\n\r\n"
        } else if failed {
            text += "Your message could not be delivered to one or more recipients.\r\n"
            text += "It is attached below (its headers, or all of it).\r\n\r\n"
        } else {
            text += "Your message has not been delivered yet to the recipients below.\r\n"
            text += "Delivery is still being retried; you do not need to send it again.\r\n\r\n"
        }
        for report in reports {
            text += "<\(report.recipient.address)>: "
            if let remote = report.remoteMTA { text += "host \(remote) said: " }
            text += Self.oneLine(report.diagnostic) + "\r\n"
        }
        return text
    }

    /// RFC 3464 §2.2 per-message fields, then §2.3 per-recipient fields, each group after a blank line.
    func deliveryStatus(international: Bool) -> String {
        var text = "Reporting-MTA: dns; \(hostname)\r\n"
        if let envid = message.envelopeID { text += "Original-Envelope-Id: \(Self.xtextDecode(envid))\r\n" }
        text += "Arrival-Date: \(Self.rfc5322Date(message.createdAt))\r\n"
        let addressType = international ? "utf-8" : "rfc822"
        for report in reports {
            text += "\r\n"
            text += "Final-Recipient: \(addressType); \(report.recipient.address)\r\n"
            // RFC 3464 §2.3.1; the ORCPT address is held decoded already (RFC 3461 §4.2 xtext).
            if let original = report.recipient.dsn.originalRecipient {
                text += "Original-Recipient: \(Self.oneLine(original.addressType)); \(Self.oneLine(original.address))\r\n"
            }
            text += "Action: \(report.action.rawValue)\r\n"
            text += "Status: \(report.status)\r\n"
            if let remote = report.remoteMTA {
                text += "Remote-MTA: dns; \(remote)\r\n"
                text += "Diagnostic-Code: smtp; \(Self.oneLine(report.diagnostic))\r\n"
            } else {
                text += "Diagnostic-Code: X-Hato; \(Self.oneLine(report.diagnostic))\r\n"
            }
            text += "Last-Attempt-Date: \(Self.rfc5322Date(report.lastAttempt))\r\n"
            if report.action == .delayed, let willRetryUntil {
                text += "Will-Retry-Until: \(Self.rfc5322Date(willRetryUntil))\r\n"
            }
        }
        return text
    }

    /// The header section of a message, through the blank line that ends it.
    static func headerSection(of message: [UInt8]) -> [UInt8] {
        if message.count >= 4 {
            for index in 0...(message.count - 4) where message[index] == 13 && message[index + 1] == 10
                && message[index + 2] == 13 && message[index + 3] == 10 {
                return Array(message[..<(index + 2)])
            }
        }
        return message
    }

    /// RFC 3461 §4: xtext `+HH` escapes, as ENVID and ORCPT arrive.
    static func xtextDecode(_ text: String) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "+"), let high = iterator.next(), let low = iterator.next(),
               let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: { $0 == "\r" || $0 == "\n" }).joined(separator: " ")
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}

extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
