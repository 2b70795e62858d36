// Writing the wire format (RFC 1035 §4.1) with name compression (§4.1.4).

struct DNSWireWriter {
    var bytes: [UInt8] = []
    /// Offsets of name suffixes already written, keyed by the case-folded suffix. Only offsets
    /// below 0x4000 can be pointed to (14-bit pointer).
    private var suffixOffsets: [DNSName: Int] = [:]

    init() {
        bytes.reserveCapacity(512)
    }

    mutating func writeU8(_ value: UInt8) { bytes.append(value) }

    mutating func writeU16(_ value: UInt16) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xFF))
    }

    mutating func writeU32(_ value: UInt32) {
        bytes.append(UInt8(value >> 24))
        bytes.append(UInt8((value >> 16) & 0xFF))
        bytes.append(UInt8((value >> 8) & 0xFF))
        bytes.append(UInt8(value & 0xFF))
    }

    mutating func writeBytes(_ value: [UInt8]) { bytes += value }

    mutating func setU16(_ value: UInt16, at offset: Int) {
        bytes[offset] = UInt8(value >> 8)
        bytes[offset + 1] = UInt8(value & 0xFF)
    }

    /// RFC 1035 §3.3: a length octet and up to 255 octets.
    mutating func writeCharacterString(_ value: [UInt8]) throws(DNSWireError) {
        guard value.count <= DNSLimits.maxCharacterString else { throw .characterStringTooLong }
        writeU8(UInt8(value.count))
        writeBytes(value)
    }

    /// Writes `name`, replacing its longest already-written suffix with a pointer when
    /// `compress` is true. RFC 3597 §4 allows compression only in the RDATA of the RFC 1035
    /// types, so callers pass `compress: false` for names in newer RDATA.
    mutating func writeName(_ name: DNSName, compress: Bool) {
        let labels = name.labels
        for start in 0..<labels.count {
            let suffix = DNSName(validatedLabels: Array(labels[start...]))
            let key = suffix.lowercased
            if compress, let offset = suffixOffsets[key] {
                writeU16(0xC000 | UInt16(offset))
                return
            }
            if bytes.count < 0x4000, suffixOffsets[key] == nil {
                suffixOffsets[key] = bytes.count
            }
            writeU8(UInt8(labels[start].count))
            writeBytes(labels[start])
        }
        writeU8(0)
    }
}
