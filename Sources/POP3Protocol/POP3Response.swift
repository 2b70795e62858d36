import NIOCore

/// RFC 2449 §8 and RFC 3206 extended response codes.
public enum POP3ResponseCode: String, Sendable {
    case inUse = "IN-USE"
    case loginDelay = "LOGIN-DELAY"
    case auth = "AUTH"
    case sysTemp = "SYS/TEMP"
    case sysPerm = "SYS/PERM"
}

/// Encodes POP3 responses (RFC 1939 §3): status lines, and multi-line responses with
/// byte-stuffing of lines that start with "." and the terminating ".".
public enum POP3Response {
    public static func ok(_ text: String = "", into buffer: inout ByteBuffer) {
        statusLine(text.isEmpty ? "+OK" : "+OK \(text)", into: &buffer)
    }

    public static func error(_ text: String, code: POP3ResponseCode? = nil, into buffer: inout ByteBuffer) {
        statusLine("-ERR " + (code.map { "[\($0.rawValue)] " } ?? "") + text, into: &buffer)
    }

    /// One status line: control characters become "?" (a stray CR or LF would end the line
    /// early and let the rest pass for another response), and the line is cut to
    /// `POP3Limits.maxResponseLineLength` octets including CRLF (RFC 2449 §4), at a character
    /// boundary.
    static func statusLine(_ line: String, into buffer: inout ByteBuffer) {
        var octets = 0
        var safe = ""
        for scalar in line.unicodeScalars {
            let clean: Unicode.Scalar = scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) ? "?" : scalar
            let width = String(clean).utf8.count
            if octets + width > POP3Limits.maxResponseLineLength - 2 { break }
            safe.unicodeScalars.append(clean)
            octets += width
        }
        buffer.writeString(safe + "\r\n")
    }

    /// A SASL challenge line (RFC 5034 §4): "+ " and the base64 text.
    public static func continuation(_ base64: String, into buffer: inout ByteBuffer) {
        buffer.writeString("+ \(base64)\r\n")
    }

    /// Multi-line text lines (CAPA, LIST, UIDL), each stuffed and CRLF-terminated, then ".".
    public static func lines(_ lines: [String], into buffer: inout ByteBuffer) {
        for line in lines { buffer.writeString((line.hasPrefix(".") ? "." : "") + line + "\r\n") }
        buffer.writeString(".\r\n")
    }

    /// Writes message bytes as a multi-line body (RETR, TOP): a line starting with "." gets one
    /// more "."; a message not ending in CRLF gets one so the terminator stands on its own line.
    public static func stuffedMessage(_ bytes: some Collection<UInt8>, into buffer: inout ByteBuffer) {
        var atLineStart = true
        var previous: UInt8 = 0
        for byte in bytes {
            if atLineStart && byte == UInt8(ascii: ".") { buffer.writeInteger(UInt8(ascii: ".")) }
            buffer.writeInteger(byte)
            atLineStart = byte == 0x0A
            previous = byte
        }
        if !bytes.isEmpty && previous != 0x0A { buffer.writeString("\r\n") }
        buffer.writeString(".\r\n")
    }

    /// The header and the first `lines` body lines of a message (RFC 1939 §7 TOP).
    public static func top<C: BidirectionalCollection<UInt8>>(_ bytes: C, lines: Int) -> C.SubSequence where C.Index == Int {
        var index = bytes.startIndex
        var previousLineEmpty = false
        var lineStart = index
        // Find the blank line that ends the header.
        while index < bytes.endIndex {
            if bytes[index] == 0x0A {
                let length = index - lineStart
                let empty = length == 0 || (length == 1 && bytes[lineStart] == 0x0D)
                lineStart = index + 1
                if empty { previousLineEmpty = true; index += 1; break }
            }
            index += 1
        }
        guard previousLineEmpty else { return bytes[...] }
        var remaining = lines
        while remaining > 0 && index < bytes.endIndex {
            if bytes[index] == 0x0A { remaining -= 1 }
            index += 1
        }
        return bytes[..<index]
    }
}
