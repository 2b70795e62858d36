import NIOCore
import Testing
@testable import DNSMessage

@Suite struct WireFormatTests {
    static let allTypes: [DNSRecordData] = [
        .a(IPv4Address("192.0.2.1")!),
        .aaaa(IPv6Address("2001:db8::1")!),
        .ns(name("ns1.example.com")),
        .cname(name("target.example.com")),
        .ptr(name("host.example.com")),
        .mx(preference: 10, exchange: name("mail.example.com")),
        .txt([Array("v=spf1 ".utf8), Array("-all".utf8), []]),
        .soa(DNSSOAData(mname: name("ns.example.com"), rname: name("hostmaster.example.com"), serial: 2024010101,
                        refresh: 7200, retry: 3600, expire: 1_209_600, minimum: 300)),
        .srv(priority: 0, weight: 5, port: 993, target: name("imap.example.com")),
        .tlsa(usage: 3, selector: 1, matchingType: 1, data: Array(0..<32)),
        .caa(flags: 128, tag: "issue", value: Array("letsencrypt.org".utf8)),
        .ds(keyTag: 20326, algorithm: 8, digestType: 2, digest: Array(0..<32)),
        .dnskey(flags: 257, protocol: 3, algorithm: 13, publicKey: Array(0..<64)),
        .rrsig(DNSRRSIGData(typeCovered: .mx, algorithm: 13, labels: 2, originalTTL: 300, expiration: 1_700_000_000,
                            inception: 1_690_000_000, keyTag: 12345, signerName: name("example.com"),
                            signature: Array(0..<64))),
        .nsec(next: name("b.example.com"), types: [.a, .mx, .rrsig, .nsec, .caa]),
        .nsec3(DNSNSEC3Data(hashAlgorithm: 1, flags: 0, iterations: 0, salt: [0xAB, 0xCD],
                            nextHashedOwner: Array(0..<20), types: [.a, .aaaa, .rrsig])),
        .unknown(type: DNSRecordType(rawValue: 65280), bytes: [1, 2, 3]),
    ]

    @Test(arguments: allTypes)
    func everyRecordTypeRoundTrips(data: DNSRecordData) throws {
        var message = DNSMessage(id: 7, isResponse: true, questions: [DNSQuestion(name: name("example.com"), type: data.type)])
        message.answers = [DNSResourceRecord(name: name("example.com"), ttl: 3600, data: data)]
        let wire = try message.encoded()
        let decoded = try DNSMessage(decoding: wire)
        #expect(decoded == message)
        #expect(decoded.answers.first?.type == data.type)
    }

    @Test func decodesADnspythonResponse() throws {
        // Built with dnspython 2.9: MX, TXT answers, SOA authority, A/AAAA glue, AD set, OPT.
        let hex = "123481200001000300010003076578616d706c6503636f6d00000f0001c00c000f00010000012c0009000a046d61696cc00cc00c000f00010000012c000a0014056d61696c32c00cc00c001000010000012c000d07763d7370663120042d616c6cc00c0006000100000e100026026e73c00c0a686f73746d6173746572c00c0000000100001c2000000e10001275000000012cc02b000100010000003c0004c0000201c02b001c00010000003c001020010db80000000000000000000000010000292000000000000000"
        let message = try DNSMessage(decoding: bytes(hex: hex))
        #expect(message.id == 0x1234)
        #expect(message.isResponse && message.recursionDesired && message.authenticData)
        #expect(!message.truncated && !message.authoritativeAnswer)
        #expect(message.questions == [DNSQuestion(name: name("example.com"), type: .mx)])
        #expect(message.answers.count == 3)
        #expect(message.answers[0].data == .mx(preference: 10, exchange: name("mail.example.com")))
        #expect(message.answers[1].data == .mx(preference: 20, exchange: name("mail2.example.com")))
        #expect(message.answers[2].data.joinedText == "v=spf1 -all")
        guard case .soa(let soa) = message.authorities.first?.data else { Issue.record("no SOA"); return }
        #expect(soa.minimum == 300 && soa.rname == name("hostmaster.example.com"))
        #expect(message.additionals.map(\.data) == [.a(IPv4Address("192.0.2.1")!), .aaaa(IPv6Address("2001:db8::1")!)])
        #expect(message.edns != nil)
    }

    @Test func encodesTheSameQueryAsDnspython() throws {
        // dnspython: make_query("example.com.", "MX", want_dnssec=True, payload=1232), id 0x1234.
        let expected = bytes(hex: "123401000001000000000001076578616d706c6503636f6d00000f000100002904d0000080000000")
        let query = DNSMessage.query(id: 0x1234, name: name("example.com"), type: .mx,
                                     edns: EDNS(udpPayloadSize: 1232, dnssecOK: true))
        #expect(try query.encoded() == expected)
    }

    @Test func compressesRepeatedNamesPerRFC1035Section414() throws {
        var message = DNSMessage(id: 1, isResponse: true, questions: [DNSQuestion(name: name("F.ISI.ARPA"), type: .ns)])
        message.answers = [
            DNSResourceRecord(name: name("FOO.F.ISI.ARPA"), ttl: 1, data: .ns(name("ARPA"))),
            DNSResourceRecord(name: name("f.isi.arpa"), ttl: 1, data: .ns(name("foo.F.ISI.ARPA"))),
        ]
        let wire = try message.encoded()
        // Header 12, question F.ISI.ARPA (12) + 4. FOO.F.ISI.ARPA becomes "FOO" + pointer to offset 12.
        #expect(Array(wire[28..<34]) == [3, 0x46, 0x4F, 0x4F, 0xC0, 12])
        // The NS target ARPA is a pointer to offset 18 (where "ARPA" starts in the question).
        #expect(Array(wire[44..<46]) == [0xC0, 18])
        // Second owner is a bare pointer to 12 (case-insensitive match).
        #expect(Array(wire[46..<48]) == [0xC0, 12])
        #expect(try DNSMessage(decoding: wire) == message)
    }

    @Test func doesNotCompressNamesInNewerRData() throws {
        var message = DNSMessage(id: 1, isResponse: true, questions: [DNSQuestion(name: name("imap.example.com"), type: .srv)])
        message.answers = [DNSResourceRecord(name: name("imap.example.com"), ttl: 1,
                                             data: .srv(priority: 0, weight: 0, port: 993, target: name("imap.example.com")))]
        let wire = try message.encoded()
        // RFC 3597 §4 / RFC 2782: the SRV target is written in full at the end.
        let full: [UInt8] = [4] + Array("imap".utf8) + [7] + Array("example".utf8) + [3] + Array("com".utf8) + [0]
        #expect(Array(wire.suffix(full.count)) == full)
    }

    @Test func ednsCarriesDOBitPayloadAndExtendedRCode() throws {
        var message = DNSMessage(id: 9, isResponse: true, responseCode: .badVersion,
                                 edns: EDNS(udpPayloadSize: 4096, dnssecOK: true,
                                            options: [EDNSOption(code: 15, data: [0, 6, 0x62])]))
        message.questions = [DNSQuestion(name: .root, type: .ns)]
        let decoded = try DNSMessage(decoding: try message.encoded())
        #expect(decoded.responseCode == .badVersion)
        #expect(decoded.edns?.dnssecOK == true)
        #expect(decoded.edns?.udpPayloadSize == 4096)
        #expect(decoded.edns?.extendedErrorCodes == [6])
        // Without OPT a 12-bit code cannot be encoded.
        message.edns = nil
        #expect(throws: DNSWireError.badOPT) { try message.encoded() }
    }

    @Test func ednsPayloadBelow512IsTreatedAs512() throws {
        let wire = try DNSMessage.query(id: 1, name: name("a.example"), type: .a, edns: EDNS(udpPayloadSize: 100)).encoded()
        #expect(try DNSMessage(decoding: wire).edns?.udpPayloadSize == 512)
    }

    @Test func ttlWithTopBitSetIsZero() throws {
        var message = DNSMessage(id: 1, isResponse: true)
        message.answers = [DNSResourceRecord(name: name("a.example"), ttl: 60, data: .a(IPv4Address("192.0.2.1")!))]
        var wire = try message.encoded()
        // owner a.example (11) + type + class → TTL at 12 + 11 + 4.
        wire[27] = 0x80
        #expect(try DNSMessage(decoding: wire).answers.first?.ttl == 0)
    }

    @Test func byteBufferEntryPoints() throws {
        let query = DNSMessage.query(id: 42, name: name("example.org"), type: .txt)
        var buffer = ByteBuffer()
        try query.encoded(into: &buffer)
        #expect(try DNSMessage(decoding: buffer) == query)
    }
}
