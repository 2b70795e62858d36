// RFC 2047 encoded-words: decoding in unstructured text, phrases and comments.

/// One parsed encoded-word.
struct EncodedWord {
    var charset: String
    var language: String?
    /// The octets after B or Q decoding, still in `charset`.
    var bytes: [UInt8]
    var clean: Bool
    /// Index just past the closing "?=".
    var end: Int

    /// encoded-word = "=?" charset ["*" language] "?" encoding "?" encoded-text "?="   (RFC 2047 §2, RFC 2231 §5)
    /// encoded-text = 1*<Any printable ASCII character other than "?" or SPACE>
    /// Parses one at `start` in `b`; nil if the bytes there are not an encoded-word.
    static func parse(_ b: [UInt8], at start: Int, end limit: Int) -> EncodedWord? {
        guard start + 8 <= limit, b[start] == ASCII.equals, b[start + 1] == ASCII.question else { return nil }
        var i = start + 2
        let charsetStart = i
        while i < limit, b[i] != ASCII.question, b[i] > 0x20, b[i] < 0x7F { i += 1 }
        guard i < limit, b[i] == ASCII.question, i > charsetStart else { return nil }
        var charsetBytes = b[charsetStart..<i]
        var language: String?
        if let star = charsetBytes.firstIndex(of: ASCII.asterisk) {
            language = String(decoding: charsetBytes[(star + 1)...], as: UTF8.self)
            charsetBytes = charsetBytes[..<star]
        }
        guard i + 2 < limit, b[i + 2] == ASCII.question else { return nil }
        let encoding = ASCII.lower(b[i + 1])
        guard encoding == UInt8(ascii: "b") || encoding == UInt8(ascii: "q") else { return nil }
        let textStart = i + 3
        var j = textStart
        while j + 1 < limit {
            if b[j] == ASCII.question && b[j + 1] == ASCII.equals { break }
            if b[j] <= 0x20 || b[j] >= 0x7F { return nil }
            j += 1
        }
        guard j + 1 < limit, b[j] == ASCII.question, b[j + 1] == ASCII.equals else { return nil }
        let text = b[textStart..<j]
        let decoded: (bytes: [UInt8], clean: Bool)
        if encoding == UInt8(ascii: "b") {
            decoded = Base64.decode(text)
        } else {
            decoded = decodeQ(text)
        }
        return EncodedWord(charset: String(decoding: charsetBytes, as: UTF8.self), language: language,
                           bytes: decoded.bytes, clean: decoded.clean, end: j + 2)
    }

    /// RFC 2047 §4.2: "_" is SP, "=" XX is an octet, everything else stands for itself.
    static func decodeQ(_ text: ArraySlice<UInt8>) -> (bytes: [UInt8], clean: Bool) {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var clean = true
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if c == ASCII.underscore {
                out.append(ASCII.space)
            } else if c == ASCII.equals, i + 2 < text.endIndex,
                      let hi = ASCII.hexValue(text[i + 1]), let lo = ASCII.hexValue(text[i + 2]) {
                out.append(hi << 4 | lo)
                i += 2
            } else {
                if c == ASCII.equals { clean = false }
                out.append(c)
            }
            i += 1
        }
        return (out, clean)
    }
}

/// Collects decoded text, joining adjacent encoded-words of one charset at the byte level so a
/// character split across two words (common with ISO-2022-JP and Shift_JIS senders) survives.
struct EncodedWordAccumulator {
    var output = ""
    var problems: [MessageProblem] = []
    private var pendingBytes: [UInt8] = []
    private var pendingCharset: String?
    private var literal: [UInt8] = []
    let fallbackCharset: String?

    init(fallbackCharset: String?) { self.fallbackCharset = fallbackCharset }

    mutating func appendWord(_ word: EncodedWord) {
        flushLiteral()
        if !word.clean { problems.append(MessageProblem(.invalidEncodedWord, detail: "bad \(word.charset) encoding")) }
        let charset = Charset.normalize(word.charset)
        if let current = pendingCharset, current != charset { flushWords() }
        pendingCharset = charset
        pendingBytes += word.bytes
    }

    mutating func appendLiteral<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        flushWords()
        literal += bytes
    }

    mutating func appendLiteral(_ text: String) {
        flushWords()
        flushLiteral()
        output += text
    }

    mutating func flushWords() {
        guard let charset = pendingCharset else { return }
        let result = Charset.decode(pendingBytes, charset: charset)
        output += result.text
        problems += result.problems
        pendingBytes.removeAll()
        pendingCharset = nil
    }

    mutating func flushLiteral() {
        guard !literal.isEmpty else { return }
        if !ByteText.isASCII(literal) && String(validatingUTF8Bytes: literal) == nil {
            problems.append(MessageProblem(.eightBitHeader))
        }
        output += ByteText.string(literal, fallbackCharset: fallbackCharset)
        literal.removeAll()
    }

    mutating func finish() -> String {
        flushWords()
        flushLiteral()
        return output
    }
}

public enum RFC2047 {
    /// Decodes encoded-words in unstructured text (RFC 2047 §5 (1): Subject, Comments, X- fields).
    /// Linear whitespace between two encoded-words is dropped (§6.2); encoded-words glued to other
    /// text are decoded too, as major clients do.
    public static func decodeUnstructured<C: Collection>(_ value: C, fallbackCharset: String? = nil) -> String where C.Element == UInt8 {
        decodeUnstructuredReporting(value, fallbackCharset: fallbackCharset).text
    }

    static func decodeUnstructuredReporting<C: Collection>(_ value: C, fallbackCharset: String?) -> (text: String, problems: [MessageProblem]) where C.Element == UInt8 {
        let b = Array(value)
        var acc = EncodedWordAccumulator(fallbackCharset: fallbackCharset)
        var heldWhitespace: ArraySlice<UInt8> = []
        var lastWasWord = false
        var i = 0
        let n = b.count
        while i < n {
            if b[i] == ASCII.equals, i + 1 < n, b[i + 1] == ASCII.question, let word = EncodedWord.parse(b, at: i, end: n) {
                if !lastWasWord && !heldWhitespace.isEmpty { acc.appendLiteral(heldWhitespace) }
                heldWhitespace = []
                acc.appendWord(word)
                lastWasWord = true
                i = word.end
                continue
            }
            if ASCII.isWhitespace(b[i]) {
                var j = i
                while j < n, ASCII.isWhitespace(b[j]) { j += 1 }
                if lastWasWord {
                    heldWhitespace = b[i..<j]
                } else {
                    acc.appendLiteral(b[i..<j])
                }
                i = j
                continue
            }
            if lastWasWord {
                acc.appendLiteral(heldWhitespace)
                heldWhitespace = []
                lastWasWord = false
            }
            var j = i + 1
            while j < n, !ASCII.isWhitespace(b[j]), !(b[j] == ASCII.equals && j + 1 < n && b[j + 1] == ASCII.question) { j += 1 }
            acc.appendLiteral(b[i..<j])
            i = j
        }
        if !heldWhitespace.isEmpty { acc.appendLiteral(heldWhitespace) }
        let text = acc.finish()
        return (text, acc.problems)
    }
}
