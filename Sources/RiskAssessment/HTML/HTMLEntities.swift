// Character references (HTML Living Standard §13.2.5.72): numeric ones, and the named ones
// that matter for what links and text show. Unknown names stay as written.

enum HTMLEntities {
    static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}", "copy": "©", "reg": "®",
        "yen": "¥", "middot": "·", "ndash": "–", "mdash": "—", "hellip": "…", "colon": ":", "sol": "/", "period": ".",
        "lpar": "(", "rpar": ")", "commat": "@", "num": "#", "percnt": "%", "quest": "?", "equals": "=", "tab": "\t",
        "newline": "\n", "zwj": "\u{200D}", "zwnj": "\u{200C}", "lrm": "\u{200E}", "rlm": "\u{200F}",
    ]

    static func decode(_ bytes: ArraySlice<UInt8>) -> String {
        guard bytes.contains(UInt8(ascii: "&")) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "&") else { out.append(byte); index += 1; continue }
            var end = index + 1
            while end < bytes.endIndex, end - index <= 32, bytes[end] != UInt8(ascii: ";"),
                  HTMLTokenizer.isLetter(bytes[end]) || (bytes[end] >= 0x30 && bytes[end] <= 0x39) || bytes[end] == UInt8(ascii: "#") {
                end += 1
            }
            let body = String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
            let terminated = end < bytes.endIndex && bytes[end] == UInt8(ascii: ";")
            if let replacement = reference(body) {
                out += Array(replacement.utf8)
                index = terminated ? end + 1 : end
            } else {
                out.append(byte)
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func reference(_ body: String) -> String? {
        if body.hasPrefix("#") {
            let digits = body.dropFirst()
            let value: UInt32?
            if digits.first == "x" || digits.first == "X" { value = UInt32(digits.dropFirst().prefix(8), radix: 16) }
            else { value = UInt32(digits.prefix(10), radix: 10) }
            guard let value else { return nil }
            // §13.2.5.80: NUL, surrogates and out-of-range become U+FFFD.
            return String(Unicode.Scalar(value == 0 ? 0xFFFD : value) ?? "\u{FFFD}")
        }
        return named[body.lowercased()] ?? named[body]
    }
}
