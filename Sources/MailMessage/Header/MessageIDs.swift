// msg-id lists (RFC 5322 §3.6.4): Message-ID, In-Reply-To, References.

public enum MessageIDParser {
    /// msg-id = [CFWS] "<" id-left "@" id-right ">" [CFWS]
    /// Returns the ids without angle brackets, in order. Tolerated: ids without brackets
    /// (whitespace-separated), comments, phrases between ids (obs-in-reply-to, §4.5.4).
    public static func parse<C: Collection>(_ value: C) -> [String] where C.Element == UInt8 {
        let b = Array(value)
        var out: [String] = []
        var i = 0
        let n = b.count
        var sawBracket = false
        while i < n {
            let c = b[i]
            if c == ASCII.openParen {
                var depth = 0
                while i < n {
                    if b[i] == ASCII.backslash { i += 2; continue }
                    if b[i] == ASCII.openParen { depth += 1 }
                    if b[i] == ASCII.closeParen { depth -= 1; if depth == 0 { break } }
                    i += 1
                }
                i += 1
                continue
            }
            if c == ASCII.quote {
                i += 1
                while i < n, b[i] != ASCII.quote { i += b[i] == ASCII.backslash ? 2 : 1 }
                i += 1
                continue
            }
            if c == ASCII.lessThan {
                sawBracket = true
                let s = i + 1
                var j = s
                while j < n, b[j] != ASCII.greaterThan { j += 1 }
                let id = b[s..<min(j, n)].filter { !ASCII.isWhitespace($0) }
                if !id.isEmpty { out.append(ByteText.string(id)) }
                i = j + 1
                continue
            }
            i += 1
        }
        if !sawBracket {
            // no brackets at all: whitespace-separated words that contain "@"
            for word in b.split(whereSeparator: ASCII.isWhitespace) where word.contains(ASCII.at) {
                out.append(ByteText.string(word))
            }
        }
        return out
    }
}
