// A tolerant HTML tokenizer with limits, for the risk assessment's HTML checks.
//
// Why our own: no HTML library is available to this build offline (the package list has no
// Swift HTML parser; libxml2's HTMLparser is C, HTML 4 era, builds trees, and has a long CVE
// history), and the checks need tokens, not a tree. The states follow the WHATWG tokenizer
// where it matters for what a mail client would render (HTML Living Standard §13.2.5): tag
// names and attribute names are case-insensitive, attribute values quoted either way or
// unquoted, comments and `<!...>`/`<?...>` skipped, script/style/textarea/title contents raw,
// character references decoded in text and attribute values. It never fails: malformed input
// becomes text, and it stops at `maxBytes` input or `maxTokens` tokens. Linear in the input.

public struct HTMLAttribute: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

public enum HTMLToken: Sendable, Equatable {
    case startTag(name: String, attributes: [HTMLAttribute], selfClosing: Bool)
    case endTag(name: String)
    case text(String)
}

public struct HTMLTokenizer: IteratorProtocol, Sequence {
    /// Attributes kept per tag, and bytes kept per attribute value and text run.
    public static let maxAttributes = 128
    public static let maxValueBytes = 16_384

    private let bytes: [UInt8]
    private var position = 0
    private var emitted = 0
    private let maxTokens: Int
    /// Set after a raw-text start tag: the next token is its content up to `</name`.
    private var rawTextEnd: String?

    public init(_ html: String, maxBytes: Int = 2 << 20, maxTokens: Int = 200_000) {
        self.bytes = Array(html.utf8.prefix(maxBytes))
        self.maxTokens = maxTokens
    }

    /// Whether the input was cut at a limit (tokens; bytes are cut silently at `maxBytes`).
    public var stoppedAtLimit: Bool { emitted >= maxTokens && position < bytes.count }

    public mutating func next() -> HTMLToken? {
        while position < bytes.count, emitted < maxTokens {
            if let end = rawTextEnd {
                rawTextEnd = nil
                let start = position
                position = find(closing: end, from: position)
                guard position > start else { continue }
                emitted += 1
                return .text(HTMLEntities.decode(bytes[start..<Swift.min(position, start + Self.maxValueBytes)]))
            }
            if bytes[position] == UInt8(ascii: "<"), let result = markup() {
                guard let token = result else { continue }  // a comment or declaration
                emitted += 1
                return token
            }
            if let text = text() {
                emitted += 1
                return .text(text)
            }
        }
        return nil
    }

    /// Text up to the next `<` that starts markup (a lone `<` is text).
    private mutating func text() -> String? {
        let start = position
        position += 1
        while position < bytes.count, bytes[position] != UInt8(ascii: "<") { position += 1 }
        return HTMLEntities.decode(bytes[start..<Swift.min(position, start + Self.maxValueBytes)])
    }

    /// A tag, comment or declaration at `<`; nil (nothing consumed) when `<` is just text.
    private mutating func markup() -> HTMLToken?? {
        let next = position + 1 < bytes.count ? bytes[position + 1] : 0
        if next == UInt8(ascii: "!") || next == UInt8(ascii: "?") {
            if hasPrefix("<!--") {
                position = after("-->", from: position + 4)
            } else {
                position = after(">", from: position + 2)
            }
            return .some(nil)
        }
        if next == UInt8(ascii: "/") {
            guard position + 2 < bytes.count, Self.isLetter(bytes[position + 2]) else {
                guard position + 2 < bytes.count else { return nil }
                position = after(">", from: position + 2)  // "</ >", "</3": a bogus comment
                return .some(nil)
            }
            position += 2
            let name = tagName()
            position = after(">", from: position)
            return .endTag(name: name)
        }
        guard Self.isLetter(next) else { return nil }
        position += 1
        let name = tagName()
        var attributes: [HTMLAttribute] = []
        var selfClosing = false
        while position < bytes.count {
            skipSpace()
            guard position < bytes.count else { break }
            let byte = bytes[position]
            if byte == UInt8(ascii: ">") { position += 1; break }
            if byte == UInt8(ascii: "/") {
                selfClosing = position + 1 < bytes.count && bytes[position + 1] == UInt8(ascii: ">")
                position += 1
                continue
            }
            let attribute = self.attribute()
            if attributes.count < Self.maxAttributes, !attributes.contains(where: { $0.name == attribute.name }) {
                attributes.append(attribute)
            }
        }
        if Self.rawTextElements.contains(name) { rawTextEnd = name }
        return .startTag(name: name, attributes: attributes, selfClosing: selfClosing)
    }

    static let rawTextElements: Set<String> = ["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "plaintext"]

    private mutating func tagName() -> String {
        let start = position
        while position < bytes.count, !Self.isSpace(bytes[position]), bytes[position] != UInt8(ascii: "/"),
              bytes[position] != UInt8(ascii: ">") { position += 1 }
        return Self.lowercased(bytes[start..<Swift.min(position, start + 64)])
    }

    private mutating func attribute() -> HTMLAttribute {
        let start = position
        position += 1  // the first character belongs to the name, even "=" (WHATWG §13.2.5.32)
        while position < bytes.count, !Self.isSpace(bytes[position]), bytes[position] != UInt8(ascii: "/"),
              bytes[position] != UInt8(ascii: ">"), bytes[position] != UInt8(ascii: "=") { position += 1 }
        let name = Self.lowercased(bytes[start..<Swift.min(position, start + 256)])
        skipSpace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "=") else { return HTMLAttribute(name: name, value: "") }
        position += 1
        skipSpace()
        guard position < bytes.count else { return HTMLAttribute(name: name, value: "") }
        let quote = bytes[position]
        let valueStart: Int
        if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
            position += 1
            valueStart = position
            while position < bytes.count, bytes[position] != quote { position += 1 }
            defer { if position < bytes.count { position += 1 } }
            return HTMLAttribute(name: name, value: HTMLEntities.decode(bytes[valueStart..<Swift.min(position, valueStart + Self.maxValueBytes)]))
        }
        valueStart = position
        while position < bytes.count, !Self.isSpace(bytes[position]), bytes[position] != UInt8(ascii: ">") { position += 1 }
        return HTMLAttribute(name: name, value: HTMLEntities.decode(bytes[valueStart..<Swift.min(position, valueStart + Self.maxValueBytes)]))
    }

    private mutating func skipSpace() {
        while position < bytes.count, Self.isSpace(bytes[position]) { position += 1 }
    }

    private func hasPrefix(_ text: String) -> Bool {
        let needle = Array(text.utf8)
        return position + needle.count <= bytes.count && bytes[position..<(position + needle.count)].elementsEqual(needle)
    }

    /// The index after the first `terminator` at or after `from` (the end when there is none).
    private func after(_ terminator: String, from: Int) -> Int {
        let needle = Array(terminator.utf8)
        var index = from
        while index + needle.count <= bytes.count {
            if bytes[index] == needle[0], bytes[index..<(index + needle.count)].elementsEqual(needle) { return index + needle.count }
            index += 1
        }
        return bytes.count
    }

    /// Where `</name` (any case) starts at or after `from`, or the end.
    private func find(closing name: String, from: Int) -> Int {
        let needle = Array("</\(name)".utf8)
        var index = from
        while index + needle.count <= bytes.count {
            if bytes[index] == UInt8(ascii: "<"), bytes[index + 1] == UInt8(ascii: "/"),
               Self.lowercased(bytes[(index + 2)..<(index + needle.count)]) == name { return index }
            index += 1
        }
        return bytes.count
    }

    static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") }
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D }
    static func lowercased(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
