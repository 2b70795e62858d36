// EDNS(0), RFC 6891 §6: the OPT pseudo-RR in the additional section.
//
//   NAME  = root; TYPE = 41; CLASS = requestor's UDP payload size;
//   TTL   = EXTENDED-RCODE (8) | VERSION (8) | DO (1) | Z (15);
//   RDATA = *( OPTION-CODE (16) OPTION-LENGTH (16) OPTION-DATA )

public struct EDNSOption: Sendable, Hashable {
    public var code: UInt16
    public var data: [UInt8]
    public init(code: UInt16, data: [UInt8]) {
        self.code = code
        self.data = data
    }

    /// RFC 8914 §2: Extended DNS Error.
    public static let extendedErrorCode: UInt16 = 15
}

public struct EDNS: Sendable, Hashable {
    /// RFC 6891 §6.2.3: values below 512 are treated as 512.
    public var udpPayloadSize: UInt16
    /// RFC 6891 §6.1.3: the upper 8 bits of the 12-bit RCODE; kept in `DNSMessage.responseCode`.
    var extendedRCode: UInt8
    public var version: UInt8
    /// RFC 3225 §3: DNSSEC OK.
    public var dnssecOK: Bool
    public var options: [EDNSOption]

    public init(udpPayloadSize: UInt16 = DNSLimits.defaultEDNSPayload, version: UInt8 = 0,
                dnssecOK: Bool = false, options: [EDNSOption] = []) {
        self.udpPayloadSize = udpPayloadSize
        self.extendedRCode = 0
        self.version = version
        self.dnssecOK = dnssecOK
        self.options = options
    }

    /// RFC 8914 §2: INFO-CODE values found in Extended DNS Error options.
    public var extendedErrorCodes: [UInt16] {
        options.filter { $0.code == EDNSOption.extendedErrorCode && $0.data.count >= 2 }
            .map { UInt16($0.data[0]) << 8 | UInt16($0.data[1]) }
    }

    static func decode(classField: UInt16, ttl: UInt32, rdata: [UInt8]) throws(DNSWireError) -> EDNS {
        var edns = EDNS(udpPayloadSize: max(classField, 512), version: UInt8((ttl >> 16) & 0xFF),
                        dnssecOK: ttl & 0x8000 != 0)
        edns.extendedRCode = UInt8(ttl >> 24)
        var reader = DNSWireReader(rdata)
        while reader.remaining > 0 {
            let code = try reader.readU16()
            let length = Int(try reader.readU16())
            edns.options.append(EDNSOption(code: code, data: try reader.readBytes(length)))
        }
        return edns
    }

    func encode(into w: inout DNSWireWriter, extendedRCode: UInt8) throws(DNSWireError) {
        w.writeU8(0)  // root owner
        w.writeU16(DNSRecordType.opt.rawValue)
        w.writeU16(udpPayloadSize)
        w.writeU32(UInt32(extendedRCode) << 24 | UInt32(version) << 16 | (dnssecOK ? 0x8000 : 0))
        var rdata = DNSWireWriter()
        for option in options {
            guard option.data.count <= 0xFFFF else { throw .messageTooLong }
            rdata.writeU16(option.code)
            rdata.writeU16(UInt16(option.data.count))
            rdata.writeBytes(option.data)
        }
        guard rdata.bytes.count <= 0xFFFF else { throw .messageTooLong }
        w.writeU16(UInt16(rdata.bytes.count))
        w.writeBytes(rdata.bytes)
    }
}
