// A small HTML-to-text reduction for SEARCH and previews: tags dropped, entities decoded.

enum HTMLText {
    /// Drops tags, comments, <script> and <style> content; turns block ends into newlines;
    /// decodes the common named entities and numeric character references.
    static func plainText(_ html: String) -> String {
        var out = ""
        out.reserveCapacity(html.utf8.count)
        let scalars = Array(html.unicodeScalars)
        var i = 0
        let n = scalars.count
        func lowerWord(at k: Int, _ w: String) -> Bool {
            var j = k
            for c in w.unicodeScalars {
                guard j < n, scalars[j].properties.lowercaseMapping == String(c) || scalars[j] == c else { return false }
                j += 1
            }
            return true
        }
        while i < n {
            let c = scalars[i]
            if c == "<" {
                if lowerWord(at: i + 1, "!--") {
                    var j = i + 4
                    while j + 2 < n, !(scalars[j] == "-" && scalars[j + 1] == "-" && scalars[j + 2] == ">") { j += 1 }
                    i = min(j + 3, n)
                    continue
                }
                let skipContent = lowerWord(at: i + 1, "script") ? "</script" : (lowerWord(at: i + 1, "style") ? "</style" : nil)
                var j = i + 1
                while j < n, scalars[j] != ">" { j += 1 }
                let tag = String(String.UnicodeScalarView(scalars[(i + 1)..<min(j, n)])).lowercased()
                i = min(j + 1, n)
                if let skipContent {
                    while i < n, !lowerWord(at: i, skipContent) { i += 1 }
                    while i < n, scalars[i] != ">" { i += 1 }
                    i = min(i + 1, n)
                    continue
                }
                let name = tag.split(whereSeparator: { $0 == " " || $0 == "/" || $0 == "\t" || $0 == "\n" }).first.map(String.init) ?? ""
                if ["br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote"].contains(name) {
                    if !out.hasSuffix("\n") { out += "\n" }
                }
                continue
            }
            if c == "&" {
                var j = i + 1
                while j < n, j - i < 12, scalars[j] != ";", scalars[j] != "&", scalars[j] != " " { j += 1 }
                if j < n, scalars[j] == ";" {
                    let entity = String(String.UnicodeScalarView(scalars[(i + 1)..<j]))
                    if let decoded = decodeEntity(entity) {
                        out += decoded
                        i = j + 1
                        continue
                    }
                }
            }
            out.unicodeScalars.append(c)
            i += 1
        }
        return out
    }

    private static func decodeEntity(_ e: String) -> String? {
        if e.hasPrefix("#x") || e.hasPrefix("#X") {
            return UInt32(e.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String($0) }
        }
        if e.hasPrefix("#") { return UInt32(e.dropFirst()).flatMap(Unicode.Scalar.init).map { String($0) } }
        switch e {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        case "nbsp": return "\u{00A0}"
        case "copy": return "©"
        case "reg": return "®"
        case "yen": return "¥"
        case "hellip": return "…"
        case "mdash": return "—"
        case "ndash": return "–"
        default: return nil
        }
    }
}
