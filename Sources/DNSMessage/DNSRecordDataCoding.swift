// RDATA encode and decode, one case per type, each against its RFC layout. Decoding reads
// exactly RDLENGTH octets: a layout that ends early or runs past RDLENGTH is an error.

extension DNSRecordData {
    /// Decodes RDATA of `type` occupying `length` octets at the reader's position. Names inside
    /// RDATA may be compressed (RFC 1035 §4.1.4; RFC 3597 §4 asks receivers to decompress the
    /// RFC 1035 types, and decompressing the others too costs nothing).
    static func decode(type: DNSRecordType, length: Int, from reader: inout DNSWireReader)
        throws(DNSWireError) -> DNSRecordData
    {
        guard reader.remaining >= length else { throw .truncated }
        let end = reader.index + length
        // Reads cannot see past RDLENGTH, but pointers can still reach earlier names.
        let savedLimit = reader.limit
        reader.limit = end
        let data = try decodeBody(type: type, end: end, from: &reader)
        guard reader.index == end else { throw .badRDataLength(type) }
        reader.limit = savedLimit
        return data
    }

    private static func decodeBody(type: DNSRecordType, end: Int, from r: inout DNSWireReader)
        throws(DNSWireError) -> DNSRecordData
    {
        func rest(_ r: inout DNSWireReader) throws(DNSWireError) -> [UInt8] { try r.readBytes(end - r.index) }
        switch type {
        case .a:
            guard end - r.index == 4 else { throw .badRDataLength(type) }
            return .a(IPv4Address(bytes: try r.readBytes(4)))
        case .aaaa:
            guard end - r.index == 16 else { throw .badRDataLength(type) }
            return .aaaa(IPv6Address(bytes: try r.readBytes(16)))
        case .ns: return .ns(try r.readName())
        case .cname: return .cname(try r.readName())
        case .ptr: return .ptr(try r.readName())
        case .mx: return .mx(preference: try r.readU16(), exchange: try r.readName())
        case .txt:
            var strings: [[UInt8]] = []
            while r.index < end { strings.append(try r.readCharacterString()) }
            return .txt(strings)
        case .soa:
            return .soa(DNSSOAData(mname: try r.readName(), rname: try r.readName(), serial: try r.readU32(),
                                   refresh: try r.readU32(), retry: try r.readU32(), expire: try r.readU32(),
                                   minimum: try r.readU32()))
        case .srv:
            return .srv(priority: try r.readU16(), weight: try r.readU16(), port: try r.readU16(),
                        target: try r.readName())
        case .tlsa:
            return .tlsa(usage: try r.readU8(), selector: try r.readU8(), matchingType: try r.readU8(),
                         data: try rest(&r))
        case .smimea:
            return .smimea(usage: try r.readU8(), selector: try r.readU8(), matchingType: try r.readU8(),
                           data: try rest(&r))
        case .caa:
            // RFC 8659 §4.1: Tag Length must be at least 1; tags are ASCII letters and digits.
            let flags = try r.readU8()
            let tagLength = Int(try r.readU8())
            let tag = try r.readBytes(tagLength)
            guard tagLength >= 1, tag.allSatisfy({ $0.isASCIIAlphanumeric }) else { throw .badRData(type) }
            return .caa(flags: flags, tag: String(decoding: tag, as: UTF8.self), value: try rest(&r))
        case .ds:
            return .ds(keyTag: try r.readU16(), algorithm: try r.readU8(), digestType: try r.readU8(),
                       digest: try rest(&r))
        case .dnskey:
            return .dnskey(flags: try r.readU16(), protocol: try r.readU8(), algorithm: try r.readU8(),
                           publicKey: try rest(&r))
        case .rrsig:
            return .rrsig(DNSRRSIGData(
                typeCovered: DNSRecordType(rawValue: try r.readU16()), algorithm: try r.readU8(),
                labels: try r.readU8(), originalTTL: try r.readU32(), expiration: try r.readU32(),
                inception: try r.readU32(), keyTag: try r.readU16(), signerName: try r.readName(),
                signature: try rest(&r)))
        case .nsec:
            let next = try r.readName()
            return .nsec(next: next, types: try decodeTypeBitMaps(try rest(&r)))
        case .nsec3:
            let algorithm = try r.readU8(), flags = try r.readU8(), iterations = try r.readU16()
            let salt = try r.readBytes(Int(try r.readU8()))
            let hashLength = Int(try r.readU8())
            guard hashLength >= 1 else { throw .badRData(type) }
            let next = try r.readBytes(hashLength)
            return .nsec3(DNSNSEC3Data(hashAlgorithm: algorithm, flags: flags, iterations: iterations, salt: salt,
                                       nextHashedOwner: next, types: try decodeTypeBitMaps(try rest(&r))))
        default:
            return .unknown(type: type, bytes: try rest(&r))
        }
    }

    /// RFC 4034 §4.1.2: Type Bit Maps = ( Window Block # | Bitmap Length | Bitmap )+, windows in
    /// increasing order, each bitmap 1 to 32 octets.
    static func decodeTypeBitMaps(_ bytes: [UInt8]) throws(DNSWireError) -> [DNSRecordType] {
        var types: [DNSRecordType] = []
        var index = 0
        var lastWindow = -1
        while index < bytes.count {
            guard index + 2 <= bytes.count else { throw .badRData(.nsec) }
            let window = Int(bytes[index]), length = Int(bytes[index + 1])
            guard window > lastWindow, (1...32).contains(length), index + 2 + length <= bytes.count else {
                throw .badRData(.nsec)
            }
            for (offset, octet) in bytes[(index + 2)..<(index + 2 + length)].enumerated() {
                for bit in 0..<8 where octet & (0x80 >> UInt8(bit)) != 0 {
                    types.append(DNSRecordType(rawValue: UInt16(window * 256 + offset * 8 + bit)))
                }
            }
            lastWindow = window
            index += 2 + length
        }
        return types
    }

    static func encodeTypeBitMaps(_ types: [DNSRecordType]) -> [UInt8] {
        let sorted = Set(types.map(\.rawValue)).sorted()
        var out: [UInt8] = []
        var windowStart = 0
        while windowStart < sorted.count {
            let window = sorted[windowStart] >> 8
            var bitmap = [UInt8](repeating: 0, count: 32)
            var index = windowStart
            while index < sorted.count, sorted[index] >> 8 == window {
                let low = Int(sorted[index] & 0xFF)
                bitmap[low / 8] |= 0x80 >> UInt8(low % 8)
                index += 1
            }
            let used = (bitmap.lastIndex(where: { $0 != 0 }) ?? 0) + 1
            out += [UInt8(window), UInt8(used)] + bitmap[..<used]
            windowStart = index
        }
        return out
    }

    /// Appends the RDATA (without RDLENGTH).
    func encode(into w: inout DNSWireWriter) throws(DNSWireError) {
        switch self {
        case .a(let address): w.writeBytes(address.bytes)
        case .aaaa(let address): w.writeBytes(address.bytes)
        case .ns(let name), .cname(let name), .ptr(let name): w.writeName(name, compress: true)
        case .mx(let preference, let exchange):
            w.writeU16(preference)
            w.writeName(exchange, compress: true)
        case .txt(let strings):
            for string in strings { try w.writeCharacterString(string) }
        case .soa(let soa):
            w.writeName(soa.mname, compress: true)
            w.writeName(soa.rname, compress: true)
            for value in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] { w.writeU32(value) }
        case .srv(let priority, let weight, let port, let target):
            w.writeU16(priority); w.writeU16(weight); w.writeU16(port)
            w.writeName(target, compress: false)
        case .tlsa(let usage, let selector, let matchingType, let data),
             .smimea(let usage, let selector, let matchingType, let data):
            w.writeBytes([usage, selector, matchingType] + data)
        case .caa(let flags, let tag, let value):
            let tagBytes = Array(tag.utf8)
            guard (1...255).contains(tagBytes.count) else { throw .badRData(.caa) }
            w.writeBytes([flags, UInt8(tagBytes.count)] + tagBytes + value)
        case .ds(let keyTag, let algorithm, let digestType, let digest):
            w.writeU16(keyTag)
            w.writeBytes([algorithm, digestType] + digest)
        case .dnskey(let flags, let proto, let algorithm, let key):
            w.writeU16(flags)
            w.writeBytes([proto, algorithm] + key)
        case .rrsig(let s):
            w.writeU16(s.typeCovered.rawValue)
            w.writeBytes([s.algorithm, s.labels])
            w.writeU32(s.originalTTL); w.writeU32(s.expiration); w.writeU32(s.inception)
            w.writeU16(s.keyTag)
            w.writeName(s.signerName, compress: false)
            w.writeBytes(s.signature)
        case .nsec(let next, let types):
            w.writeName(next, compress: false)
            w.writeBytes(DNSRecordData.encodeTypeBitMaps(types))
        case .nsec3(let n):
            guard n.salt.count <= 255, (1...255).contains(n.nextHashedOwner.count) else { throw .badRData(.nsec3) }
            w.writeBytes([n.hashAlgorithm, n.flags])
            w.writeU16(n.iterations)
            w.writeU8(UInt8(n.salt.count)); w.writeBytes(n.salt)
            w.writeU8(UInt8(n.nextHashedOwner.count)); w.writeBytes(n.nextHashedOwner)
            w.writeBytes(DNSRecordData.encodeTypeBitMaps(n.types))
        case .unknown(_, let bytes):
            w.writeBytes(bytes)
        }
    }
}

extension UInt8 {
    var isASCIIAlphanumeric: Bool {
        (0x30...0x39).contains(self) || (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self)
    }
}
