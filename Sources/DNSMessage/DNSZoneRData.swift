// Presentation-form RDATA for the zone text format (see DNSZoneText.swift). Each case follows
// the presentation format defined next to the type's wire format in its RFC.

extension DNSZone {
    static func parseRData(_ type: DNSRecordType, _ tokens: [ZoneToken], origin: DNSName) throws -> DNSRecordData {
        func bad(_ message: String) -> DNSZoneTextError { DNSZoneTextError(line: 0, message: message) }
        func count(_ n: Int) throws {
            guard tokens.count == n else { throw bad("\(type) takes \(n) fields, got \(tokens.count)") }
        }
        func name(_ i: Int) throws -> DNSName { try resolveName(tokens[i].text, origin: origin) }
        func u8(_ i: Int) throws -> UInt8 {
            guard let v = UInt8(tokens[i].text) else { throw bad("bad number \(tokens[i].text)") }
            return v
        }
        func u16(_ i: Int) throws -> UInt16 {
            guard let v = UInt16(tokens[i].text) else { throw bad("bad number \(tokens[i].text)") }
            return v
        }
        func u32(_ i: Int) throws -> UInt32 {
            guard let v = UInt32(tokens[i].text) else { throw bad("bad number \(tokens[i].text)") }
            return v
        }
        func hex(from i: Int) throws -> [UInt8] {
            guard let v = parseHex(tokens[i...].map(\.text).joined()) else { throw bad("bad hex") }
            return v
        }

        // RFC 3597 §5: \# <length> <hex>
        if let first = tokens.first, !first.quoted, first.text == "\\#" {
            guard tokens.count >= 2, let length = Int(tokens[1].text) else { throw bad("bad generic rdata") }
            let bytes = tokens.count > 2 ? try hex(from: 2) : []
            guard bytes.count == length else { throw bad("generic rdata length mismatch") }
            var reader = DNSWireReader(bytes)
            return try DNSRecordData.decode(type: type, length: bytes.count, from: &reader)
        }
        switch type {
        case .a:
            try count(1)
            guard let a = IPv4Address(tokens[0].text) else { throw bad("bad IPv4 address") }
            return .a(a)
        case .aaaa:
            try count(1)
            guard let a = IPv6Address(tokens[0].text) else { throw bad("bad IPv6 address") }
            return .aaaa(a)
        case .ns: try count(1); return .ns(try name(0))
        case .cname: try count(1); return .cname(try name(0))
        case .ptr: try count(1); return .ptr(try name(0))
        case .mx: try count(2); return .mx(preference: try u16(0), exchange: try name(1))
        case .txt:
            guard !tokens.isEmpty else { throw bad("TXT needs a string") }
            for token in tokens where token.bytes.count > DNSLimits.maxCharacterString {
                throw bad("TXT string over 255 octets: split it into several strings")
            }
            return .txt(tokens.map(\.bytes))
        case .soa:
            try count(7)
            return .soa(DNSSOAData(mname: try name(0), rname: try name(1), serial: try u32(2), refresh: try u32(3),
                                   retry: try u32(4), expire: try u32(5), minimum: try u32(6)))
        case .srv:
            try count(4)
            return .srv(priority: try u16(0), weight: try u16(1), port: try u16(2), target: try name(3))
        case .tlsa:
            guard tokens.count >= 4 else { throw bad("TLSA takes 4 fields") }
            return .tlsa(usage: try u8(0), selector: try u8(1), matchingType: try u8(2), data: try hex(from: 3))
        case .smimea:
            guard tokens.count >= 4 else { throw bad("SMIMEA takes 4 fields") }
            return .smimea(usage: try u8(0), selector: try u8(1), matchingType: try u8(2), data: try hex(from: 3))
        case .caa:
            try count(3)
            return .caa(flags: try u8(0), tag: tokens[1].text, value: tokens[2].bytes)
        case .ds:
            guard tokens.count >= 4 else { throw bad("DS takes 4 fields") }
            return .ds(keyTag: try u16(0), algorithm: try u8(1), digestType: try u8(2), digest: try hex(from: 3))
        default:
            throw bad("\(type) needs the generic form \\# <length> <hex>")
        }
    }
}

func parseHex(_ text: String) -> [UInt8]? {
    let digits = Array(text.utf8)
    guard digits.count % 2 == 0 else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(digits.count / 2)
    func value(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }
    var index = 0
    while index < digits.count {
        guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
        out.append(high << 4 | low)
        index += 2
    }
    return out
}
