// Reading the wire format (RFC 1035 §4.1). Every read is bounds-checked and throws
// `DNSWireError`; nothing here traps on hostile input.

public enum DNSWireError: Error, Sendable, Hashable {
    /// The message ended inside a field.
    case truncated
    /// RFC 1035 §4.1.4: a pointer that does not point to an earlier octet, or too many jumps.
    case badCompressionPointer
    /// RFC 1035 §4.1.4 / RFC 6891 §5: label types 01 and 10 are not in use.
    case badLabelType
    /// RFC 1035 §2.3.4: a name longer than 255 octets.
    case nameTooLong
    /// RDLENGTH disagrees with the RDATA layout for its type.
    case badRDataLength(DNSRecordType)
    /// A field value the type's RFC does not allow.
    case badRData(DNSRecordType)
    /// RFC 6891 §6.1.1: more than one OPT, an OPT outside the additional section, or OPT with a
    /// non-root owner.
    case badOPT
    /// Octets after the last record.
    case trailingBytes
    /// A message too large to encode (RFC 1035 §4.2.2: 65535 octets over TCP).
    case messageTooLong
    /// A character-string over 255 octets (RFC 1035 §3.3).
    case characterStringTooLong
}

struct DNSWireReader {
    let bytes: [UInt8]
    var index: Int
    /// Reads stop here; RDATA decoding lowers it to the end of RDLENGTH.
    var limit: Int

    init(_ bytes: [UInt8], index: Int = 0) {
        self.bytes = bytes
        self.index = index
        self.limit = bytes.count
    }

    var remaining: Int { limit - index }

    mutating func readU8() throws(DNSWireError) -> UInt8 {
        guard index < limit else { throw .truncated }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func readU16() throws(DNSWireError) -> UInt16 {
        guard remaining >= 2 else { throw .truncated }
        defer { index += 2 }
        return UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
    }

    mutating func readU32() throws(DNSWireError) -> UInt32 {
        guard remaining >= 4 else { throw .truncated }
        defer { index += 4 }
        return UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16
            | UInt32(bytes[index + 2]) << 8 | UInt32(bytes[index + 3])
    }

    mutating func readBytes(_ count: Int) throws(DNSWireError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw .truncated }
        defer { index += count }
        return Array(bytes[index..<(index + count)])
    }

    /// RFC 1035 §3.3: <character-string> is a length octet followed by that many octets.
    mutating func readCharacterString() throws(DNSWireError) -> [UInt8] {
        let length = Int(try readU8())
        return try readBytes(length)
    }

    /// RFC 1035 §4.1.4: a name is a sequence of labels ending in a zero octet, or a pointer,
    /// or labels ending in a pointer. A pointer is two octets with the top bits 11 and a
    /// 14-bit offset from the start of the message. Pointers must go backwards (to an octet
    /// before the one being read), which rules out loops; the jump count is capped as well.
    mutating func readName() throws(DNSWireError) -> DNSName {
        var labels: [[UInt8]] = []
        var wireLength = 1
        var position = index
        var jumps = 0
        var resumeAt: Int? = nil
        var lowestJumpOrigin = index
        while true {
            guard position < limit else { throw .truncated }
            let length = bytes[position]
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    index = resumeAt ?? (position + 1)
                    return DNSName(validatedLabels: labels)
                }
                let start = position + 1
                let end = start + Int(length)
                guard end <= limit else { throw .truncated }
                wireLength += 1 + Int(length)
                guard wireLength <= DNSLimits.maxNameWireLength else { throw .nameTooLong }
                labels.append(Array(bytes[start..<end]))
                position = end
            case 0xC0:
                guard position + 1 < limit else { throw .truncated }
                let target = Int(length & 0x3F) << 8 | Int(bytes[position + 1])
                jumps += 1
                guard target < lowestJumpOrigin, jumps <= DNSLimits.maxCompressionJumps else {
                    throw .badCompressionPointer
                }
                if resumeAt == nil { resumeAt = position + 2 }
                lowestJumpOrigin = target
                position = target
            default:
                throw .badLabelType
            }
        }
    }
}
