import NIOCore

/// The byte-level rules for message content on the wire.
enum SMTPMessageEncoding {
    /// Every line break as CRLF (RFC 5321 §2.3.8: bare CR and LF must not be sent), ending in
    /// CRLF. A bare LF or a bare CR becomes CRLF; a CR directly followed by LF stays one break.
    static func normalizingLineEndings(_ message: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(message.count + message.count / 32 + 2)
        var index = 0
        while index < message.count {
            let byte = message[index]
            switch byte {
            case UInt8(ascii: "\r"):
                result += [13, 10]
                if index + 1 < message.count, message[index + 1] == UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "\n"):
                result += [13, 10]
            default:
                result.append(byte)
            }
            index += 1
        }
        if !result.isEmpty, result.last != 10 { result += [13, 10] }
        return result
    }

    /// Whether any octet has the high bit set (needs 8BITMIME or conversion, RFC 6152).
    static func hasEightBitOctets(_ bytes: some Sequence<UInt8>) -> Bool {
        bytes.contains { $0 >= 0x80 }
    }

    /// The DATA payload (RFC 5321 §4.5.2 transparency): a line starting with "." gets another
    /// ".", then the terminating "." CRLF. Expects CRLF-normalised input ending in CRLF.
    static func dotStuffed(_ message: [UInt8], into buffer: inout ByteBuffer) {
        buffer.reserveCapacity(buffer.readableBytes + message.count + message.count / 64 + 8)
        var lineStart = true
        var chunkStart = 0
        for index in message.indices {
            if lineStart, message[index] == UInt8(ascii: ".") {
                buffer.writeBytes(message[chunkStart..<index])
                buffer.writeInteger(UInt8(ascii: "."))
                chunkStart = index
            }
            lineStart = message[index] == UInt8(ascii: "\n")
        }
        buffer.writeBytes(message[chunkStart...])
        buffer.writeStaticString(".\r\n")
    }
}
