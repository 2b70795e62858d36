import Foundation
import MailStore

/// The mboxrd format (the variant of RFC 4155 that quotes every `>*From ` line so quoting is
/// reversible): each message starts with a `From sender asctime-date` line, body lines that
/// start with any number of `>` followed by `From ` get one more `>`, and a blank line ends it.
public enum Mbox {
    /// Writes messages as mboxrd. Message bytes are written as stored (CRLF); the separator lines
    /// use the same line ending so the file is consistent.
    public static func write(_ messages: [MigratedMessage], returnPaths: [String?]) -> [UInt8] {
        var output: [UInt8] = []
        for (index, message) in messages.enumerated() {
            let crlf = message.bytes.firstIndex(of: 0x0A).map { $0 > 0 && message.bytes[$0 - 1] == 0x0D } ?? true
            let newline: [UInt8] = crlf ? [0x0D, 0x0A] : [0x0A]
            let sender = returnPaths[index].flatMap(senderToken) ?? "MAILER-DAEMON"
            output += Array("From \(sender) \(asctime(message.internalDate))".utf8) + newline
            for line in LineEndings.lines(message.bytes) {
                if isFromLine(line, allowQuoted: true) { output.append(UInt8(ascii: ">")) }
                output += line
            }
            if let last = message.bytes.last, last != 0x0A { output += newline }
            output += newline
        }
        return output
    }

    /// Reads an mbox file (mboxrd; also mboxo, whose unquoted `From ` lines cannot occur). Flags
    /// come from the Status, X-Status and X-Keywords headers that mutt, Dovecot and Thunderbird write.
    public static func read(_ bytes: [UInt8]) -> [MigratedMessage] {
        var messages: [MigratedMessage] = []
        var current: [UInt8]? = nil
        var date = Date()
        func finish() {
            guard var body = current else { return }
            // The blank line before the next "From " belongs to the format, not the message.
            if body.suffix(2) == [0x0D, 0x0A] && body.dropLast(2).suffix(2) == [0x0D, 0x0A] { body.removeLast(2) }
            else if body.suffix(2) == [0x0A, 0x0A] { body.removeLast() }
            messages.append(MigratedMessage(bytes: LineEndings.toCRLF(body), flags: flags(body), internalDate: date))
        }
        for line in LineEndings.lines(bytes) {
            if isFromLine(line, allowQuoted: false) {
                finish()
                current = []
                date = parseFromLineDate(line) ?? Date()
                continue
            }
            guard current != nil else { continue }  // text before the first From line is not mail
            if isFromLine(line, allowQuoted: true), line.first == UInt8(ascii: ">") {
                current! += line.dropFirst()
            } else {
                current! += line
            }
        }
        finish()
        return messages
    }

    /// `From ` at the start of the line, optionally after `>` characters.
    static func isFromLine(_ line: ArraySlice<UInt8>, allowQuoted: Bool) -> Bool {
        var index = line.startIndex
        if allowQuoted { while index < line.endIndex && line[index] == UInt8(ascii: ">") { index += 1 } }
        return line[index...].starts(with: Array("From ".utf8))
    }

    static func flags(_ message: [UInt8]) -> MessageFlags {
        var system: SystemFlags = []
        let status = (HeaderPeek.value("Status", in: message) ?? "") + (HeaderPeek.value("X-Status", in: message) ?? "")
        if status.contains("R") { system.insert(.seen) }
        if status.contains("A") { system.insert(.answered) }
        if status.contains("F") { system.insert(.flagged) }
        if status.contains("T") { system.insert(.draft) }
        if status.contains("D") { system.insert(.deleted) }
        let keywords = (HeaderPeek.value("X-Keywords", in: message) ?? "")
            .split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        return MessageFlags(system: system, keywords: keywords)
    }

    static func senderToken(_ returnPath: String) -> String? {
        let trimmed = returnPath.trimmingCharacters(in: CharacterSet(charactersIn: "<> \t"))
        guard !trimmed.isEmpty, !trimmed.contains(" ") else { return nil }
        return trimmed
    }

    static func asctime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE MMM dd HH:mm:ss yyyy"
        return formatter.string(from: date)
    }

    /// `From sender Sat Jan  3 01:05:34 1996` (asctime in UTC; a zone word before the year is
    /// skipped). The weekday is not checked: writers get it wrong often enough.
    static func parseFromLineDate(_ line: ArraySlice<UInt8>) -> Date? {
        let words = String(decoding: line, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard words.count >= 7 else { return nil }
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        guard let monthIndex = words.firstIndex(where: { months.contains($0.lowercased()) }), monthIndex + 3 < words.count,
              let month = months.firstIndex(of: words[monthIndex].lowercased()),
              let day = Int(words[monthIndex + 1]), let year = Int(words.last!) else { return nil }
        let time = words[monthIndex + 2].split(separator: ":").compactMap { Int($0) }
        guard time.count >= 2 else { return nil }
        var components = DateComponents()
        components.year = year
        components.month = month + 1
        components.day = day
        components.hour = time[0]
        components.minute = time[1]
        components.second = time.count > 2 ? time[2] : 0
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: components)
    }
}
