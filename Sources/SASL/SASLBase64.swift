/// Base64 (RFC 4648 §4) as SASL profiles use it: padded, no whitespace, no line breaks
/// (RFC 4954 §4, RFC 3501 §6.2.2, RFC 5034 §4). Decoding is strict: anything outside the alphabet,
/// a misplaced "=", a length that is not a multiple of four, or non-zero pad bits is an error,
/// so a garbled client line is reported rather than half-decoded.
public enum SASLBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, char) in alphabet.enumerated() { table[Int(char)] = UInt8(index) }
        return table
    }()

    public static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let b0 = bytes[index]
            let b1 = index + 1 < bytes.count ? bytes[index + 1] : 0
            let b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(index + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(index + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// nil for anything but canonical padded base64. The empty string decodes to no bytes.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 4 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 4 * 3)
        var offset = 0
        while offset < chars.count {
            let isLast = offset + 4 == chars.count
            let quad = chars[offset..<offset + 4]
            let padding = quad.reversed().prefix { $0 == UInt8(ascii: "=") }.count
            guard padding <= 2, padding == 0 || isLast else { return nil }
            var values = [UInt8]()
            for char in quad.prefix(4 - padding) {
                let value = reverse[Int(char)]
                guard value != 0xFF else { return nil }
                values.append(value)
            }
            out.append(values[0] << 2 | values[1] >> 4)
            switch padding {
            case 0:
                out.append(values[1] << 4 | values[2] >> 2)
                out.append(values[2] << 6 | values[3])
            case 1:
                guard values[2] & 0x03 == 0 else { return nil }
                out.append(values[1] << 4 | values[2] >> 2)
            default:
                guard values[1] & 0x0F == 0 else { return nil }
            }
            offset += 4
        }
        return out
    }
}

/// UTF-8 validation without the macOS 15-only `String(validating:)`.
enum UTF8Text {
    static func decode(_ bytes: some Collection<UInt8>) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.utf8.elementsEqual(bytes) ? text : nil
    }
}
