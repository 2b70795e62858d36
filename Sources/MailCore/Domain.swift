/// A DNS domain name as mail uses it: lower-cased, ASCII (A-labels), without a trailing dot.
///
/// Unicode input is converted to A-labels with Punycode (RFC 3492) so "例え.テスト" and
/// "xn--r8jz45g.xn--zckzah" are the same domain (IDNA2008, RFC 5890 §2.3.2.1). The full IDNA2008
/// validity tables are not applied; labels are checked against the LDH rule after conversion.
public struct Domain: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// The A-label form, lower-case, no trailing dot.
    public let name: String

    /// RFC 1035 §2.3.4: labels are 63 octets or less, names 255 octets or less (253 in text form).
    public static let maxLabelLength = 63
    public static let maxLength = 253

    public init(_ text: String) throws(MailCoreError) {
        if let name = Self.asciiName(text) {
            self.name = name
            return
        }
        name = try Self.generalName(text)
    }

    /// The name `generalName` gives a valid all-ASCII `text`, worked out over its bytes (split,
    /// lower-cased and joined Strings cost 13 K instructions a call, seven calls per received
    /// message, issue 24); nil for non-ASCII or invalid text, which `generalName` handles and
    /// explains. For ASCII, Characters and bytes split alike at ".".
    static func asciiName(_ text: String) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            guard byte < 0x80 else { return nil }
            bytes.append(byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte)
        }
        if bytes.last == UInt8(ascii: ".") { bytes.removeLast() }
        guard !bytes.isEmpty, bytes.count <= maxLength else { return nil }
        var labelStart = 0
        for index in 0...bytes.count {
            if index == bytes.count || bytes[index] == UInt8(ascii: ".") {
                let length = index - labelStart
                guard length > 0, length <= maxLabelLength, bytes[labelStart] != UInt8(ascii: "-"),
                      bytes[index - 1] != UInt8(ascii: "-") else { return nil }
                labelStart = index + 1
            } else {
                let byte = bytes[index]
                guard (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-") else { return nil }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Any text: labels lower-cased, non-ASCII ones Punycode-encoded (RFC 5891 §4.4), checked.
    static func generalName(_ text: String) throws(MailCoreError) -> String {
        var text = text
        if text.hasSuffix(".") { text.removeLast() }
        guard !text.isEmpty else { throw .invalidDomain(text, "empty") }
        var labels: [String] = []
        for rawLabel in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard !rawLabel.isEmpty else { throw .invalidDomain(text, "empty label") }
            let lowered = String(rawLabel).lowercased()
            let label: String
            if lowered.unicodeScalars.allSatisfy(\.isASCII) {
                label = lowered
            } else {
                guard let encoded = Punycode.encode(lowered) else {
                    throw .invalidDomain(text, "label cannot be encoded")
                }
                label = "xn--" + encoded
            }
            guard label.utf8.count <= Self.maxLabelLength else {
                throw .invalidDomain(text, "label longer than \(Self.maxLabelLength) octets")
            }
            guard Self.isLDH(label) else {
                throw .invalidDomain(text, "label \"\(label)\" has characters other than letters, digits and hyphens")
            }
            labels.append(label)
        }
        let name = labels.joined(separator: ".")
        guard name.utf8.count <= Self.maxLength else {
            throw .invalidDomain(text, "longer than \(Self.maxLength) octets")
        }
        return name
    }

    /// RFC 5890 §2.3.1 LDH label: letters, digits, hyphens; no hyphen at either end.
    static func isLDH(_ label: String) -> Bool {
        let bytes = Array(label.utf8)
        guard let first = bytes.first, let last = bytes.last, first != UInt8(ascii: "-"), last != UInt8(ascii: "-") else {
            return false
        }
        return bytes.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-")
                || (byte >= 0x41 && byte <= 0x5A)
        }
    }

    /// The U-label form (RFC 5890 §2.3.2.1): each "xn--" label decoded from Punycode, the others
    /// as they are; a label that does not decode stays in its A-label form.
    public var unicodeName: String { Self.unicodeForm(of: name) }

    /// `unicodeName` for any dotted name (it need not be a valid `Domain`).
    public static func unicodeForm(of name: String) -> String {
        name.split(separator: ".", omittingEmptySubsequences: false).map { label -> String in
            let lowered = label.lowercased()
            guard lowered.hasPrefix("xn--"), let decoded = Punycode.decode(String(lowered.dropFirst(4))) else { return String(label) }
            return decoded
        }.joined(separator: ".")
    }

    public var description: String { name }
    public static func < (lhs: Domain, rhs: Domain) -> Bool { lhs.name < rhs.name }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try Domain(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
