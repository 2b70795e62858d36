// Trace fields (RFC 5321 §4.4) and the SPF record of the transaction (RFC 7208 §9.1).

import Foundation
import MailMessage

/// Prepends Received and, for mail checked by SPF, Received-SPF; when no authentication stage
/// writes an Authentication-Results field, it writes the SPF one (RFC 8601 §2.7.2) itself.
public struct TraceStage: ReceptionStage {
    /// Whether this stage writes the SPF Authentication-Results field (off when the DKIM/DMARC
    /// stage writes one that carries SPF too).
    public var writesSPFResults: Bool
    public var name: String { "trace" }
    public var phases: ReceptionPhases { .message }

    public init(writesSPFResults: Bool) { self.writesSPFResults = writesSPFResults }

    public func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction,
                        client: ReceptionClient) async -> ReceptionVerdict {
        let helo = client.helo ?? "unknown"
        var fields = TraceHeaders.received(
            helo: helo, remoteIP: client.remoteIP, hostname: client.hostname, esmtp: client.esmtp, tls: client.tls,
            user: client.account?.address.description, id: transaction.id,
            recipients: transaction.recipients.map(\.address.description))
        if let spf = transaction.spf {
            let results = writesSPFResults
                ? SPFHeaders.authenticationResults(spf, helo: transaction.spfHELO, heloName: helo, authservID: client.hostname) : ""
            fields = results + SPFHeaders.receivedSPF(spf, ip: client.remoteIP, helo: helo, receiver: client.hostname) + fields
        }
        return .tag([.header(fields)])
    }
}

/// Trace field text.
public enum TraceHeaders {
    /// RFC 5321 §4.4 Received header, with the RFC 3848 protocol (ESMTP, ESMTPS, ESMTPA,
    /// ESMTPSA), the TLS version and cipher and the authenticated user as comments; "for" only with one
    /// recipient so a Bcc recipient is not shown to others.
    public static func received(
        helo: String, remoteIP: String, hostname: String, esmtp: Bool, tls: String?, user: String?,
        id: String, recipients: [String], date: Date = Date()
    ) -> String {
        var with = esmtp ? "ESMTP" : "SMTP"
        if esmtp && tls != nil { with += "S" }
        if esmtp && user != nil { with += "A" }
        var text = "Received: from \(sanitize(helo)) ([\(remoteIP)])\r\n\tby \(hostname) (Hato) with \(with) id \(id)"
        var comments: [String] = []
        if let tls { comments.append(tls) }
        if let user { comments.append("authenticated as \(sanitize(user))") }
        if !comments.isEmpty { text += "\r\n\t(\(comments.joined(separator: "; ")))" }
        if recipients.count == 1 { text += "\r\n\tfor <\(recipients[0])>" }
        return text + "; " + rfc5322Date(date) + "\r\n"
    }

    /// A client-supplied word made safe for a header comment: no controls, spaces or
    /// parentheses, at most 255 characters.
    public static func sanitize(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.value >= 0x21 && $0.value != 0x7F && $0 != "(" && $0 != ")" }.prefix(255))
    }

    /// RFC 5322 §3.3 date-time in UTC ("Sun, 06 Dec 2026 10:51:16 +0000"). Written out by hand:
    /// a DateFormatter made per message cost more than the rest of the trace fields together.
    public static func rfc5322Date(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let day = weekdays[Int(parts.tm_wday) % 7], month = months[Int(parts.tm_mon) % 12]
        return "\(day), \(two(parts.tm_mday)) \(month) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
}
