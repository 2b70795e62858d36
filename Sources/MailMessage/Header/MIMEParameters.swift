// MIME parameters (RFC 2045 §5.1) with RFC 2231 charsets, languages and continuations.

/// One parameter as written: the attribute (with any RFC 2231 "*N*" suffix) and the value with
/// quoting removed but no other decoding.
public struct MIMEParameter: Sendable, Equatable, Hashable, Codable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

enum ParameterParser {
    /// parameter := attribute "=" value ; value := token / quoted-string      (RFC 2045 §5.1)
    /// Reads `*(";" parameter)` from `b[i...]`. Tolerated: missing ";" between parameters,
    /// unquoted values with spaces (read up to the next ";"), comments, stray semicolons.
    static func parse(_ b: [UInt8], from start: Int, fallbackCharset: String?, problems: inout [MessageProblem]) -> [MIMEParameter] {
        var out: [MIMEParameter] = []
        var i = start
        let n = b.count
        func skipCFWS() {
            while i < n {
                if ASCII.isWhitespace(b[i]) || b[i] == ASCII.semicolon { i += 1; continue }
                if b[i] == ASCII.openParen {
                    var depth = 0
                    while i < n {
                        if b[i] == ASCII.backslash { i = min(i + 2, n); continue }
                        if b[i] == ASCII.openParen { depth += 1 }
                        if b[i] == ASCII.closeParen { depth -= 1; if depth == 0 { i += 1; break } }
                        i += 1
                    }
                    continue
                }
                break
            }
        }
        while true {
            skipCFWS()
            guard i < n else { break }
            let nameStart = i
            while i < n, b[i] != ASCII.equals, b[i] != ASCII.semicolon, !ASCII.isWhitespace(b[i]) { i += 1 }
            let name = String(decoding: b[nameStart..<i], as: UTF8.self)
            while i < n, ASCII.isWSP(b[i]) { i += 1 }
            guard i < n, b[i] == ASCII.equals, !name.isEmpty else {
                problems.append(MessageProblem(.invalidParameter, detail: "parameter without value: \(name)"))
                while i < n, b[i] != ASCII.semicolon { i += 1 }
                continue
            }
            i += 1
            while i < n, ASCII.isWhitespace(b[i]) { i += 1 }
            var value: [UInt8] = []
            if i < n, b[i] == ASCII.quote {
                i += 1
                while i < n, b[i] != ASCII.quote {
                    // quoted-pair; but a backslash before a non-special is kept (Windows paths)
                    if b[i] == ASCII.backslash, i + 1 < n, b[i + 1] == ASCII.quote || b[i + 1] == ASCII.backslash {
                        value.append(b[i + 1])
                        i += 2
                        continue
                    }
                    if b[i] != ASCII.cr && b[i] != ASCII.lf { value.append(b[i]) }
                    i += 1
                }
                if i >= n { problems.append(MessageProblem(.invalidParameter, detail: "unterminated quoted string")) }
                i += 1
            } else {
                let valueStart = i
                while i < n, b[i] != ASCII.semicolon { i += 1 }
                value = Array(b[valueStart..<i].trimmingWhitespace())
                // "a=b c=d" without ";": split at the last space before another "attr="
                if let split = missingSemicolonSplit(value) {
                    i = valueStart + split.resume
                    value = Array(value[..<split.end])
                }
            }
            out.append(MIMEParameter(name: name, value: ByteText.string(value, fallbackCharset: fallbackCharset)))
        }
        return out
    }

    private static func missingSemicolonSplit(_ v: [UInt8]) -> (end: Int, resume: Int)? {
        guard let sp = v.firstIndex(where: ASCII.isWSP) else { return nil }
        let rest = v[sp...].trimmingWhitespace()
        guard let eq = rest.firstIndex(of: ASCII.equals), eq > rest.startIndex,
              rest[rest.startIndex..<eq].allSatisfy({ Lexer.isAtext($0) && $0 != ASCII.equals && $0 < 0x80 }) else { return nil }
        return (sp, rest.startIndex)
    }

    /// The decoded value of parameter `name` (case-insensitive):
    /// RFC 2231 §3-4 forms (`name*`, `name*0`, `name*0*`, ...) win over a plain `name`;
    /// a plain value holding RFC 2047 encoded-words is decoded too (Outlook and many Japanese
    /// clients send `name="=?ISO-2022-JP?B?...?="`, against RFC 2047 §5).
    static func value(of name: String, in parameters: [MIMEParameter], fallbackCharset: String?) -> String? {
        let lname = name.lowercased()
        var sections: [(index: Int, encoded: Bool, value: String)] = []
        var single: (encoded: Bool, value: String)? = nil
        var plain: String? = nil
        for p in parameters {
            let pname = p.name.lowercased()
            if pname == lname {
                if plain == nil { plain = p.value }
            } else if pname == lname + "*" {
                single = (true, p.value)
            } else if pname.hasPrefix(lname + "*") {
                var rest = pname.dropFirst(lname.count + 1)
                let encoded = rest.hasSuffix("*")
                if encoded { rest = rest.dropLast() }
                if let index = Int(rest), index >= 0, index < 10_000 { sections.append((index, encoded, p.value)) }
            }
        }
        if let single {
            return decode2231(sections: [(0, single.encoded, single.value)], fallbackCharset: fallbackCharset)
        }
        if !sections.isEmpty {
            sections.sort { $0.index < $1.index }
            // keep the contiguous run from 0 (RFC 2231 §3: numbering starts at 0, no gaps)
            var run: [(index: Int, encoded: Bool, value: String)] = []
            for s in sections where s.index == run.count { run.append(s) }
            if !run.isEmpty { return decode2231(sections: run, fallbackCharset: fallbackCharset) }
        }
        guard let plain else { return nil }
        // "=?" looked for in the bytes: String.contains(String) is Foundation's range(of:) here,
        // 1.5% of SEARCH BODY's CPU through the charset parameter of every part (issue 24).
        let bytes = Array(plain.utf8)
        if bytes.indices.dropLast().contains(where: { bytes[$0] == UInt8(ascii: "=") && bytes[$0 + 1] == UInt8(ascii: "?") }) {
            return RFC2047.decodeUnstructured(bytes, fallbackCharset: fallbackCharset)
        }
        return plain
    }

    /// extended-initial-value := [charset] "'" [language] "'" extended-other-values   (RFC 2231 §7)
    /// extended-other-values := *(ext-octet / attribute-char) ; ext-octet := "%" 2(DIGIT / "A"-"F")
    /// Sections are joined as octets before charset decoding, so a character split across two
    /// sections survives.
    private static func decode2231(sections: [(index: Int, encoded: Bool, value: String)], fallbackCharset: String?) -> String {
        var charset: String? = nil
        var bytes: [UInt8] = []
        for (k, s) in sections.enumerated() {
            var v = Array(s.value.utf8)
            if s.encoded {
                if k == 0 {
                    let quotes = v.indices.filter { v[$0] == ASCII.apostrophe }
                    if quotes.count >= 2 {
                        let cs = String(decoding: v[..<quotes[0]], as: UTF8.self)
                        if !cs.isEmpty { charset = cs }
                        v = Array(v[(quotes[1] + 1)...])
                    }
                }
                bytes += percentDecode(v)
            } else {
                bytes += v
            }
        }
        if let charset { return Charset.decode(bytes, charset: charset).text }
        return ByteText.string(bytes, fallbackCharset: fallbackCharset)
    }

    static func percentDecode(_ v: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < v.count {
            if v[i] == ASCII.percent, i + 2 < v.count, let hi = ASCII.hexValue(v[i + 1]), let lo = ASCII.hexValue(v[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(v[i])
                i += 1
            }
        }
        return out
    }
}
