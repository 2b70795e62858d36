/// Modified UTF-7 for mailbox names (RFC 3501 §5.1.3, kept for IMAP4rev1 clients by RFC 9051
/// Appendix A.1): printable US-ASCII except "&" stands for itself, "&-" is "&", and other
/// characters are UTF-16BE in modified base64 ("," for "/") between "&" and "-".
public enum ModifiedUTF7 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,".utf8)

    private static let values: [UInt8: UInt8] = {
        var table: [UInt8: UInt8] = [:]
        for (i, c) in alphabet.enumerated() { table[c] = UInt8(i) }
        return table
    }()

    public static func encode(_ string: String) -> String {
        var out: [UInt8] = []
        var pending: [UInt16] = []

        func flush() {
            guard !pending.isEmpty else { return }
            out.append(UInt8(ascii: "&"))
            var bytes: [UInt8] = []
            for unit in pending { bytes.append(UInt8(unit >> 8)); bytes.append(UInt8(unit & 0xFF)) }
            var i = 0
            while i < bytes.count {
                let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
                let n = bytes.count - i
                out.append(alphabet[Int(b0 >> 2)])
                out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
                if n > 1 { out.append(alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)]) }
                if n > 2 { out.append(alphabet[Int(b2 & 0x3F)]) }
                i += 3
            }
            out.append(UInt8(ascii: "-"))
            pending.removeAll()
        }

        for scalar in string.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value <= 0x7E {
                flush()
                out.append(UInt8(scalar.value))
                if scalar == "&" { out.append(UInt8(ascii: "-")) }
            } else {
                pending.append(contentsOf: String(scalar).utf16)
            }
        }
        flush()
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes strictly: nil for 8-bit or control octets, bad base64, an unterminated shift,
    /// leftover bits, unpaired surrogates, or a shift that encodes printable ASCII (the RFC says
    /// those "MUST NOT" be encoded, so the same name has exactly one spelling).
    public static func decode<Bytes: Collection>(_ bytes: Bytes) -> String? where Bytes.Element == UInt8 {
        var out = String.UnicodeScalarView()
        var iterator = Array(bytes)[...]
        while let byte = iterator.popFirst() {
            guard byte >= 0x20 && byte <= 0x7E else { return nil }
            guard byte == UInt8(ascii: "&") else {
                out.append(UnicodeScalar(byte))
                continue
            }
            guard let end = iterator.firstIndex(of: UInt8(ascii: "-")) else { return nil }
            let encoded = iterator[..<end]
            iterator = iterator[(end + 1)...]
            if encoded.isEmpty {
                out.append("&")
                continue
            }
            guard let units = decodeBase64(encoded), !units.isEmpty else { return nil }
            var scalars = String.UnicodeScalarView()
            var it = units.makeIterator()
            var utf16 = UTF16()
            loop: while true {
                switch utf16.decode(&it) {
                case .scalarValue(let s):
                    if s.value >= 0x20 && s.value <= 0x7E { return nil }
                    scalars.append(s)
                case .emptyInput: break loop
                case .error: return nil
                }
            }
            out.append(contentsOf: scalars)
            // "&AAA-&BBB-" must be one shift: two adjacent shifts are not the canonical form.
            if iterator.first == UInt8(ascii: "&"), iterator.dropFirst().first != UInt8(ascii: "-") { return nil }
        }
        return String(out)
    }

    private static func decodeBase64(_ chars: ArraySlice<UInt8>) -> [UInt16]? {
        var bits: UInt32 = 0
        var bitCount = 0
        var bytes: [UInt8] = []
        for c in chars {
            guard let v = values[c] else { return nil }
            bits = bits << 6 | UInt32(v)
            bitCount += 6
            if bitCount >= 8 {
                bitCount -= 8
                bytes.append(UInt8(truncatingIfNeeded: bits >> UInt32(bitCount)))
            }
        }
        // Leftover bits must be fewer than 6 and zero; whole UTF-16 units only.
        guard bitCount < 6, bits & ((1 << UInt32(bitCount)) - 1) == 0, bytes.count % 2 == 0 else { return nil }
        return stride(from: 0, to: bytes.count, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
    }
}
