import NIOCore

/// A client's SASL response during AUTHENTICATE (RFC 9051 §6.2.2, RFC 4959 §3).
public enum IMAPSASLResponse: Sendable, Equatable {
    case data([UInt8])
    /// `*`: the client cancels the exchange; answer `tag BAD`.
    case cancel

    /// base64 = *(4base64-char) [base64-terminal]   (RFC 9051 §9) — one continuation line.
    /// nil when the line is not base64 (answer `tag BAD`).
    public static func parse(_ line: ByteBuffer) -> IMAPSASLResponse? {
        let bytes = Array(line.readableBytesView)
        if bytes == [UInt8(ascii: "*")] { return .cancel }
        return decodeBase64(bytes).map(IMAPSASLResponse.data)
    }

    /// initial-resp = (base64 / "=")   (RFC 4959 §7): "=" is an empty response.
    public static func decodeInitialResponse(_ response: String) -> [UInt8]? {
        response == "=" ? [] : decodeBase64(Array(response.utf8))
    }

    static func isBase64Char(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "+") || b == UInt8(ascii: "/")
    }

    private static func value(_ b: UInt8) -> UInt8 {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return b - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return b - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        default: return 63
        }
    }

    /// Strict base64 with padding; the empty string is valid (an empty response).
    static func decodeBase64(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 4 * 3)
        var i = 0
        while i < bytes.count {
            let q = bytes[i..<i + 4]
            let isLast = i + 4 == bytes.count
            let padding = q.reversed().prefix { $0 == UInt8(ascii: "=") }.count
            guard padding <= 2, padding == 0 || isLast,
                  q.prefix(4 - padding).allSatisfy(isBase64Char) else { return nil }
            let v = q.prefix(4 - padding).map(value) + Array(repeating: 0, count: padding)
            let n = UInt32(v[0]) << 18 | UInt32(v[1]) << 12 | UInt32(v[2]) << 6 | UInt32(v[3])
            out.append(UInt8(n >> 16))
            if padding < 2 { out.append(UInt8(n >> 8 & 0xFF)) }
            if padding < 1 { out.append(UInt8(n & 0xFF)) }
            i += 4
        }
        return out
    }

    /// Base64 for server challenges (`+ <base64>`, RFC 9051 §7.5).
    public static func encodeBase64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let n = bytes.count - i
            let b0 = bytes[i], b1 = n > 1 ? bytes[i + 1] : 0, b2 = n > 2 ? bytes[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 3) << 4 | b1 >> 4)])
            out.append(n > 1 ? alphabet[Int((b1 & 0xF) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(n > 2 ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
