// A DNS message, RFC 1035 §4.1:
//
//   +---------------------+
//   |        Header       |   ID, flags, QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT (§4.1.1)
//   +---------------------+
//   |       Question      |   QNAME QTYPE QCLASS (§4.1.2)
//   +---------------------+
//   |        Answer       |   RRs (§4.1.3)
//   |      Authority      |
//   |      Additional     |   (the OPT pseudo-RR of RFC 6891 lives here; see `edns`)
//   +---------------------+
//
// Header flags (§4.1.1, AD and CD from RFC 4035 §3.2):
//   QR | Opcode(4) | AA | TC | RD | RA | Z | AD | CD | RCODE(4)

import NIOCore

public struct DNSQuestion: Sendable, Hashable, CustomStringConvertible {
    public var name: DNSName
    public var type: DNSRecordType
    public var questionClass: DNSClass

    public init(name: DNSName, type: DNSRecordType, questionClass: DNSClass = .internet) {
        self.name = name
        self.type = type
        self.questionClass = questionClass
    }

    public var description: String { "\(name) \(questionClass) \(type)" }
}

public struct DNSMessage: Sendable, Hashable {
    public var id: UInt16
    public var isResponse: Bool
    public var opcode: DNSOpcode
    public var authoritativeAnswer: Bool
    public var truncated: Bool
    public var recursionDesired: Bool
    public var recursionAvailable: Bool
    /// RFC 4035 §3.2.3 / RFC 6840 §5.7: Authentic Data.
    public var authenticData: Bool
    /// RFC 4035 §3.2.2: Checking Disabled.
    public var checkingDisabled: Bool
    /// The full 12-bit code (header bits plus the OPT extension).
    public var responseCode: DNSResponseCode
    public var questions: [DNSQuestion]
    public var answers: [DNSResourceRecord]
    public var authorities: [DNSResourceRecord]
    /// Additional records other than OPT.
    public var additionals: [DNSResourceRecord]
    public var edns: EDNS?

    public init(id: UInt16, isResponse: Bool = false, opcode: DNSOpcode = .query,
                authoritativeAnswer: Bool = false, truncated: Bool = false, recursionDesired: Bool = true,
                recursionAvailable: Bool = false, authenticData: Bool = false, checkingDisabled: Bool = false,
                responseCode: DNSResponseCode = .noError, questions: [DNSQuestion] = [],
                answers: [DNSResourceRecord] = [], authorities: [DNSResourceRecord] = [],
                additionals: [DNSResourceRecord] = [], edns: EDNS? = nil) {
        self.id = id
        self.isResponse = isResponse
        self.opcode = opcode
        self.authoritativeAnswer = authoritativeAnswer
        self.truncated = truncated
        self.recursionDesired = recursionDesired
        self.recursionAvailable = recursionAvailable
        self.authenticData = authenticData
        self.checkingDisabled = checkingDisabled
        self.responseCode = responseCode
        self.questions = questions
        self.answers = answers
        self.authorities = authorities
        self.additionals = additionals
        self.edns = edns
    }

    /// A standard recursive query for one question.
    public static func query(id: UInt16, name: DNSName, type: DNSRecordType, edns: EDNS? = EDNS(),
                             authenticData: Bool = false) -> DNSMessage {
        DNSMessage(id: id, recursionDesired: true, authenticData: authenticData,
                   questions: [DNSQuestion(name: name, type: type)], edns: edns)
    }

    /// A response skeleton for `query`: same ID, question, RD and opcode.
    public func makeResponse(code: DNSResponseCode = .noError) -> DNSMessage {
        DNSMessage(id: id, isResponse: true, opcode: opcode, recursionDesired: recursionDesired,
                   responseCode: code, questions: questions, edns: edns.map { EDNS(udpPayloadSize: $0.udpPayloadSize, dnssecOK: $0.dnssecOK) })
    }

    // MARK: decoding

    public init(decoding bytes: [UInt8]) throws(DNSWireError) {
        var r = DNSWireReader(bytes)
        id = try r.readU16()
        let flags = try r.readU16()
        let counts = [try r.readU16(), try r.readU16(), try r.readU16(), try r.readU16()]
        isResponse = flags & 0x8000 != 0
        opcode = DNSOpcode(rawValue: UInt8((flags >> 11) & 0x0F))
        authoritativeAnswer = flags & 0x0400 != 0
        truncated = flags & 0x0200 != 0
        recursionDesired = flags & 0x0100 != 0
        recursionAvailable = flags & 0x0080 != 0
        authenticData = flags & 0x0020 != 0
        checkingDisabled = flags & 0x0010 != 0
        var code = flags & 0x000F

        // Each question needs at least 5 octets and each RR 11: reject impossible counts before
        // allocating anything for them.
        let minimum = Int(counts[0]) * 5 + (Int(counts[1]) + Int(counts[2]) + Int(counts[3])) * 11
        guard minimum <= r.remaining else { throw .truncated }

        questions = []
        for _ in 0..<counts[0] {
            questions.append(DNSQuestion(name: try r.readName(), type: DNSRecordType(rawValue: try r.readU16()),
                                         questionClass: DNSClass(rawValue: try r.readU16())))
        }
        answers = try DNSMessage.readRecords(Int(counts[1]), from: &r)
        authorities = try DNSMessage.readRecords(Int(counts[2]), from: &r)
        additionals = []
        edns = nil
        for _ in 0..<counts[3] {
            let name = try r.readName()
            let type = DNSRecordType(rawValue: try r.readU16())
            if type == .opt {
                // RFC 6891 §6.1.1: at most one OPT, owned by the root.
                guard edns == nil, name.isRoot else { throw .badOPT }
                let classField = try r.readU16(), ttl = try r.readU32()
                let rdata = try r.readBytes(Int(try r.readU16()))
                let decoded = try EDNS.decode(classField: classField, ttl: ttl, rdata: rdata)
                code |= UInt16(decoded.extendedRCode) << 4
                edns = decoded
            } else {
                additionals.append(try DNSMessage.readRecordBody(name: name, type: type, from: &r))
            }
        }
        responseCode = DNSResponseCode(rawValue: code)
        guard r.remaining == 0 else { throw .trailingBytes }
    }

    public init(decoding buffer: ByteBuffer) throws(DNSWireError) {
        try self.init(decoding: Array(buffer.readableBytesView))
    }

    private static func readRecords(_ count: Int, from r: inout DNSWireReader) throws(DNSWireError)
        -> [DNSResourceRecord]
    {
        var records: [DNSResourceRecord] = []
        records.reserveCapacity(count)
        for _ in 0..<count {
            let name = try r.readName()
            let type = DNSRecordType(rawValue: try r.readU16())
            if type == .opt { throw .badOPT }  // RFC 6891 §6.1.1: OPT only in the additional section
            records.append(try readRecordBody(name: name, type: type, from: &r))
        }
        return records
    }

    private static func readRecordBody(name: DNSName, type: DNSRecordType, from r: inout DNSWireReader)
        throws(DNSWireError) -> DNSResourceRecord
    {
        let recordClass = DNSClass(rawValue: try r.readU16())
        let rawTTL = try r.readU32()
        let length = Int(try r.readU16())
        let data = try DNSRecordData.decode(type: type, length: length, from: &r)
        // RFC 2181 §8: a TTL with the most significant bit set is treated as zero.
        let ttl = rawTTL > DNSLimits.maxTTL ? 0 : rawTTL
        return DNSResourceRecord(name: name, recordClass: recordClass, ttl: ttl, data: data)
    }

    // MARK: encoding

    /// The wire form, names compressed.
    public func encoded() throws(DNSWireError) -> [UInt8] {
        var w = DNSWireWriter()
        w.writeU16(id)
        var flags: UInt16 = UInt16(opcode.rawValue) << 11 | (responseCode.rawValue & 0x0F)
        if isResponse { flags |= 0x8000 }
        if authoritativeAnswer { flags |= 0x0400 }
        if truncated { flags |= 0x0200 }
        if recursionDesired { flags |= 0x0100 }
        if recursionAvailable { flags |= 0x0080 }
        if authenticData { flags |= 0x0020 }
        if checkingDisabled { flags |= 0x0010 }
        w.writeU16(flags)
        let sections = [answers, authorities, additionals]
        guard questions.count <= 0xFFFF, sections.allSatisfy({ $0.count <= 0xFFFF }),
              additionals.count + (edns == nil ? 0 : 1) <= 0xFFFF
        else { throw .messageTooLong }
        if responseCode.rawValue > 0x0F && edns == nil { throw .badOPT }
        w.writeU16(UInt16(questions.count))
        w.writeU16(UInt16(answers.count))
        w.writeU16(UInt16(authorities.count))
        w.writeU16(UInt16(additionals.count + (edns == nil ? 0 : 1)))
        for question in questions {
            w.writeName(question.name, compress: true)
            w.writeU16(question.type.rawValue)
            w.writeU16(question.questionClass.rawValue)
        }
        for record in answers + authorities + additionals {
            try DNSMessage.write(record, into: &w)
        }
        if let edns {
            try edns.encode(into: &w, extendedRCode: UInt8(truncatingIfNeeded: responseCode.rawValue >> 4))
        }
        guard w.bytes.count <= DNSLimits.maxMessageLength else { throw .messageTooLong }
        return w.bytes
    }

    public func encoded(into buffer: inout ByteBuffer) throws(DNSWireError) {
        buffer.writeBytes(try encoded())
    }

    static func write(_ record: DNSResourceRecord, into w: inout DNSWireWriter) throws(DNSWireError) {
        if record.type == .opt { throw .badOPT }
        w.writeName(record.name, compress: true)
        w.writeU16(record.type.rawValue)
        w.writeU16(record.recordClass.rawValue)
        w.writeU32(min(record.ttl, DNSLimits.maxTTL))
        let lengthOffset = w.bytes.count
        w.writeU16(0)
        try record.data.encode(into: &w)
        let length = w.bytes.count - lengthOffset - 2
        guard length <= 0xFFFF else { throw .messageTooLong }
        w.setU16(UInt16(length), at: lengthOffset)
    }
}
