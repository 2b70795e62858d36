// The Author Domain (RFC 9989 §3.2.2, §5.3.1): the domain of the RFC5322.From header field,
// converted to A-labels. Reads only the header section of the raw message: folded lines,
// comments, quoted strings, angle addresses and groups (RFC 5322 §3.4, §3.6.2).

import MailCore
import MailMessage

public enum DMARCAuthorDomains: Sendable, Hashable {
    /// The distinct domains of the From field's mailboxes, in order.
    case domains([String])
    /// No From field, or one with no mailbox whose domain could be read.
    case missing
    /// More than one From field (RFC 5322 §3.6 allows exactly one).
    case multipleFields(Int)

    /// Extracts the Author Domain(s) from a raw message (CRLF or LF line ends).
    public static func extract(from message: [UInt8]) -> DMARCAuthorDomains {
        extract(fromFieldValues: HeaderSection.parse(message).section.fields(named: "From").map { $0.unfoldedValue })
    }

    /// From the header fields of an already split message (DKIM's view of a received message).
    public static func extract(from message: DKIMMessage) -> DMARCAuthorDomains {
        extract(fromFieldValues: message.headers.filter { $0.hasName("From") }.map { $0.rawValue.filter { $0 != 0x0D && $0 != 0x0A } })
    }

    /// From the unfolded values of every From field.
    static func extract(fromFieldValues values: [[UInt8]]) -> DMARCAuthorDomains {
        guard !values.isEmpty else { return .missing }
        guard values.count == 1 else { return .multipleFields(values.count) }
        var domains: [String] = []
        for raw in addressDomains(String(decoding: values[0], as: UTF8.self)) {
            guard let domain = try? Domain(raw).name else { continue }
            if !domains.contains(domain) { domains.append(domain) }
        }
        return domains.isEmpty ? .missing : .domains(domains)
    }

    /// The domain part of every addr-spec in an address-list, comments and display names removed.
    static func addressDomains(_ value: String) -> [String] {
        if let domains = asciiAddressDomains(value) { return domains }
        return characterAddressDomains(value)
    }

    /// `characterAddressDomains` over the bytes of an ASCII value without CR (where a byte is a
    /// Character, and Character.isWhitespace is HT, LF, VT, FF or SP): nil for any other value.
    /// Walking Characters cost 96 K instructions for "Load <load@bench-sender.example>", twice
    /// per message (issue 24).
    static func asciiAddressDomains(_ value: String) -> [String]? {
        var cleaned: [UInt8] = []
        cleaned.reserveCapacity(value.utf8.count)
        var depth = 0, quoted = false, escaped = false
        for byte in value.utf8 {
            guard byte < 0x80, byte != 0x0D else { return nil }
            if escaped { escaped = false; if !quoted && depth == 0 { cleaned.append(UInt8(ascii: "x")) }; continue }
            if byte == UInt8(ascii: "\\") && (quoted || depth > 0) { escaped = true; continue }
            if quoted {
                if byte == UInt8(ascii: "\"") { quoted = false; cleaned.append(UInt8(ascii: " ")) }
                continue
            }
            if depth > 0 {
                if byte == UInt8(ascii: "(") { depth += 1 } else if byte == UInt8(ascii: ")") { depth -= 1 }
                continue
            }
            switch byte {
            case UInt8(ascii: "("): depth = 1; cleaned.append(UInt8(ascii: " "))
            case UInt8(ascii: "\""): quoted = true; cleaned.append(UInt8(ascii: "x"))
            default: cleaned.append(byte)
            }
        }
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
        func trimmed(_ slice: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
            var slice = slice
            while let first = slice.first, isSpace(first) { slice = slice.dropFirst() }
            while let last = slice.last, isSpace(last) { slice = slice.dropLast() }
            return slice
        }
        var domains: [String] = []
        for mailbox in cleaned.split(whereSeparator: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: ";") }) {
            var text = mailbox
            if !text.contains(UInt8(ascii: "<")), let colon = text.lastIndex(of: UInt8(ascii: ":")) {
                text = text[(colon + 1)...]
            }
            if let open = text.lastIndex(of: UInt8(ascii: "<")) {
                text = text[(open + 1)...].prefix { $0 != UInt8(ascii: ">") }
                if let colon = text.lastIndex(of: UInt8(ascii: ":")) { text = text[(colon + 1)...] }
            }
            let spec = trimmed(text)
            guard let at = spec.lastIndex(of: UInt8(ascii: "@")) else { continue }
            let domain = trimmed(spec[(at + 1)...])
            guard !domain.isEmpty, domain.first != UInt8(ascii: "["), !domain.contains(where: { $0 == 0x20 || $0 == 0x09 }) else { continue }
            domains.append(String(decoding: domain, as: UTF8.self))
        }
        return domains
    }

    /// The same over Characters, for values with non-ASCII text or a CR (CR LF is one Character).
    static func characterAddressDomains(_ value: String) -> [String] {
        var cleaned = ""  // the value with comments removed and quoted strings blanked
        var depth = 0, quoted = false, escaped = false
        for character in value {
            if escaped { escaped = false; if !quoted && depth == 0 { cleaned.append("x") }; continue }
            if character == "\\" && (quoted || depth > 0) { escaped = true; continue }
            if quoted {
                if character == "\"" { quoted = false; cleaned.append(" ") }
                continue
            }
            if depth > 0 {
                if character == "(" { depth += 1 } else if character == ")" { depth -= 1 }
                continue
            }
            switch character {
            case "(": depth = 1; cleaned.append(" ")
            case "\"": quoted = true; cleaned.append("x")  // a quoted local part still counts as one
            default: cleaned.append(character)
            }
        }
        var domains: [String] = []
        // Mailboxes are separated by "," (and a group's ":" / ";").
        for mailbox in cleaned.split(whereSeparator: { $0 == "," || $0 == ";" }) {
            var text = Substring(mailbox)
            if !text.contains("<"), let colon = text.lastIndex(of: ":") {
                text = text[text.index(after: colon)...]  // group display-name
            }
            if let open = text.lastIndex(of: "<") {
                let rest = text[text.index(after: open)...]
                text = rest.prefix { $0 != ">" }
                // obs-route "<@a,@b:user@host>" cannot survive the comma split; a leading route is dropped.
                if let colon = text.lastIndex(of: ":") { text = text[text.index(after: colon)...] }
            }
            let spec = text.authTrimmed()
            guard let at = spec.lastIndex(of: "@") else { continue }
            let domain = spec[spec.index(after: at)...].authTrimmed()
            guard !domain.isEmpty, !domain.hasPrefix("["), !domain.contains(where: { $0 == " " || $0 == "\t" }) else { continue }
            domains.append(String(domain))
        }
        return domains
    }
}

extension Substring {
    func authTrimmed() -> Substring {
        var slice = self
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return slice
    }
}
