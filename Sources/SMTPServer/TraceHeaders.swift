import Foundation
import MailMessage
import ServerRuntime

/// Trace and submission fix-ups applied to a received message.
enum TraceHeaders {
    /// RFC 5321 §4.4 Received header, with the RFC 3848 protocol (ESMTP, ESMTPS, ESMTPA,
    /// ESMTPSA), the TLS version and cipher and the authenticated user as comments; "for" only with one
    /// recipient so a Bcc recipient is not shown to others.
    static func received(
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

    static func sanitize(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.value >= 0x21 && $0.value != 0x7F && $0 != "(" && $0 != ")" }.prefix(255))
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }

    /// RFC 6409 §8.1-8.3 on submission: add Date and Message-ID when missing, and drop Bcc so no
    /// recipient sees the blind copies (the envelope already carries them).
    static func fixSubmission(_ message: [UInt8], hostname: String, date: Date = Date()) -> [UInt8] {
        let parsed = MIMEMessage(parsing: message)
        var added = ""
        if parsed.header.field("Date") == nil { added += "Date: \(rfc5322Date(date))\r\n" }
        if parsed.header.field("Message-ID") == nil { added += "Message-ID: <\(UUID().uuidString.lowercased())@\(hostname)>\r\n" }
        let bcc = parsed.header.fields(named: "Bcc")
        guard !added.isEmpty || !bcc.isEmpty else { return message }
        var output = Array(added.utf8)
        var cursor = 0
        for field in bcc.sorted(by: { $0.range.offset < $1.range.offset }) {
            output += message[cursor..<field.range.offset]
            cursor = field.range.offset + field.range.length
        }
        output += message[cursor...]
        return output
    }

    /// Removes Authentication-Results fields whose authserv-id is ours (RFC 8601 §5), so a sender
    /// cannot forge our verdicts.
    static func removeAuthenticationResults(_ message: [UInt8], authservID: String) -> [UInt8] {
        let parsed = MIMEMessage(parsing: message)
        let forged = parsed.header.fields(named: "Authentication-Results").filter { field in
            let value = field.value.trimmingCharacters(in: .whitespaces)
            let id = value.prefix { $0 != ";" && $0 != " " && $0 != "\t" }
            return id.lowercased() == authservID.lowercased()
        }
        guard !forged.isEmpty else { return message }
        var output: [UInt8] = []
        var cursor = 0
        for field in forged.sorted(by: { $0.range.offset < $1.range.offset }) {
            output += message[cursor..<field.range.offset]
            cursor = field.range.offset + field.range.length
        }
        return output + message[cursor...]
    }

    /// The addresses in the header From field(s), for the submission sender check.
    static func fromAddresses(_ message: [UInt8]) -> [String] {
        let parsed = MIMEMessage(parsing: message)
        return parsed.header.from.flatMap(\.mailboxes).map { "\($0.localPart)@\($0.domain ?? "")" }
    }
}
