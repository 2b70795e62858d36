import Foundation

/// Escaping for values put into the XML documents Hato writes (autoconfig, Autodiscover, the
/// Apple profile, DMARC aggregate reports). Everything that came from a request or a message (the address, the Host header) goes through
/// `escaped`, so a crafted address cannot add elements (XML 1.0 §2.4: `<` and `&` never appear
/// literally in character data; `>`, `"` and `'` are escaped too so the same text is safe in
/// attribute values).
public enum XMLText {
    public static func escaped(_ text: some StringProtocol) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            // XML 1.0 §2.2 Char: no C0 controls other than tab, LF and CR, no U+FFFE/U+FFFF.
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The text of the first element whose local name is `name` (any namespace prefix), with
    /// the five predefined entities decoded; nil when there is none. Enough for the one value
    /// read from an Autodiscover request (`EMailAddress`); not a general XML parser.
    public static func firstElement(_ name: String, in document: String) -> String? {
        var rest = Substring(document)
        while let open = rest.firstIndex(of: "<") {
            rest = rest[rest.index(after: open)...]
            guard let close = rest.firstIndex(of: ">") else { return nil }
            let tag = rest[..<close]
            rest = rest[rest.index(after: close)...]
            let tagName = tag.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }).first ?? ""
            let local = tagName.split(separator: ":").last ?? ""
            guard local == name, !tag.hasPrefix("/"), !tag.hasSuffix("/") else { continue }
            guard let end = rest.range(of: "</") else { return nil }
            return unescaped(rest[..<end.lowerBound])
        }
        return nil
    }

    public static func unescaped(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
