import Testing
@testable import DNSMessage

/// Hostile input must throw, never trap (RFC 1035 §4.1 layouts, §4.1.4 pointers).
@Suite struct MalformedMessageTests {
    static func sampleResponse() throws -> [UInt8] {
        var message = DNSMessage(id: 0xBEEF, isResponse: true, questions: [DNSQuestion(name: name("example.com"), type: .mx)],
                                 edns: EDNS(dnssecOK: true))
        message.answers = WireFormatTests.allTypes.map { DNSResourceRecord(name: name("x.example.com"), ttl: 5, data: $0) }
        message.authorities = [DNSResourceRecord(name: name("example.com"), ttl: 5, data: .ns(name("ns.example.com")))]
        return try message.encoded()
    }

    @Test func everyTruncationThrows() throws {
        let wire = try Self.sampleResponse()
        for length in 0..<wire.count {
            #expect(throws: DNSWireError.self) { try DNSMessage(decoding: Array(wire[..<length])) }
        }
        #expect(try DNSMessage(decoding: wire).answers.count == WireFormatTests.allTypes.count)
    }

    @Test func trailingBytesAreRejected() throws {
        let wire = try Self.sampleResponse()
        #expect(throws: DNSWireError.trailingBytes) { try DNSMessage(decoding: wire + [0]) }
    }

    @Test func pointerLoopsAndForwardPointersAreRejected() {
        let header: [UInt8] = [0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0]
        // QNAME is a pointer to itself.
        #expect(throws: DNSWireError.badCompressionPointer) {
            try DNSMessage(decoding: header + [0xC0, 12, 0, 1, 0, 1])
        }
        // QNAME label then a pointer back to its own start: a loop.
        #expect(throws: DNSWireError.badCompressionPointer) {
            try DNSMessage(decoding: header + [1, 0x61, 0xC0, 12, 0, 1, 0, 1])
        }
        // Forward pointer.
        #expect(throws: DNSWireError.badCompressionPointer) {
            try DNSMessage(decoding: header + [0xC0, 14, 0, 0, 1, 0, 1])
        }
        // Reserved label types 01 and 10.
        #expect(throws: DNSWireError.badLabelType) { try DNSMessage(decoding: header + [0x40, 0, 0, 1, 0, 1]) }
        #expect(throws: DNSWireError.badLabelType) { try DNSMessage(decoding: header + [0x80, 0, 0, 1, 0, 1]) }
    }

    @Test func overlongNamesAreRejected() {
        let header: [UInt8] = [0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0]
        var qname: [UInt8] = []
        for _ in 0..<5 { qname += [63] + [UInt8](repeating: 0x61, count: 63) }
        #expect(throws: DNSWireError.nameTooLong) { try DNSMessage(decoding: header + qname + [0, 0, 1, 0, 1]) }
    }

    @Test func rdataLengthMustMatchTheType() throws {
        var message = DNSMessage(id: 1, isResponse: true)
        message.answers = [DNSResourceRecord(name: .root, ttl: 1, data: .unknown(type: .a, bytes: [1, 2, 3, 4, 5]))]
        #expect(throws: DNSWireError.badRDataLength(.a)) { try DNSMessage(decoding: try message.encoded()) }
        message.answers = [DNSResourceRecord(name: .root, ttl: 1, data: .unknown(type: .mx, bytes: [0, 10, 0, 9]))]
        #expect(throws: DNSWireError.self) { try DNSMessage(decoding: try message.encoded()) }
        // TXT string running past RDLENGTH.
        message.answers = [DNSResourceRecord(name: .root, ttl: 1, data: .unknown(type: .txt, bytes: [5, 0x61]))]
        #expect(throws: DNSWireError.truncated) { try DNSMessage(decoding: try message.encoded()) }
        // CAA with a zero-length tag (RFC 8659 §4.1).
        message.answers = [DNSResourceRecord(name: .root, ttl: 1, data: .unknown(type: .caa, bytes: [0, 0]))]
        #expect(throws: DNSWireError.badRData(.caa)) { try DNSMessage(decoding: try message.encoded()) }
        // NSEC bitmap windows out of order (RFC 4034 §4.1.2).
        message.answers = [DNSResourceRecord(name: .root, ttl: 1, data: .unknown(type: .nsec, bytes: [0, 1, 0, 0x40, 0, 1, 0x40]))]
        #expect(throws: DNSWireError.badRData(.nsec)) { try DNSMessage(decoding: try message.encoded()) }
    }

    @Test func optRulesFromRFC6891() throws {
        let good = try DNSMessage.query(id: 1, name: name("example.com"), type: .a).encoded()
        // Two OPT records.
        var twoOPT = good
        twoOPT[11] = 2
        twoOPT += Array(good.suffix(11))
        #expect(throws: DNSWireError.badOPT) { try DNSMessage(decoding: twoOPT) }
        // OPT in the answer section: move the count from ARCOUNT to ANCOUNT.
        var inAnswer = good
        inAnswer[7] = 1
        inAnswer[11] = 0
        #expect(throws: DNSWireError.badOPT) { try DNSMessage(decoding: inAnswer) }
    }

    @Test func impossibleCountsFailFast() {
        // 65535 answers promised in a 12-octet message.
        let header: [UInt8] = [0, 1, 0x81, 0x80, 0, 0, 0xFF, 0xFF, 0, 0, 0, 0]
        #expect(throws: DNSWireError.truncated) { try DNSMessage(decoding: header) }
    }

    @Test func randomMutationsNeverCrash() throws {
        let wire = try Self.sampleResponse()
        var rng = SeededGenerator(seed: 0xD15C0)
        var decodedCount = 0
        for _ in 0..<3_000 {
            var mutated = wire
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let index = Int.random(in: 0..<mutated.count, using: &rng)
                mutated[index] = UInt8.random(in: 0...255, using: &rng)
            }
            if let message = try? DNSMessage(decoding: mutated) {
                decodedCount += 1
                // Whatever decodes must re-encode and decode to the same thing.
                if let again = try? message.encoded() {
                    #expect(try DNSMessage(decoding: again) == message)
                }
            }
        }
        #expect(decodedCount > 0)
    }
}
