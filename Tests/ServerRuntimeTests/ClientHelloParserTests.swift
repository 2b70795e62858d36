import NIOCore
import NIOEmbedded
import NIOSSL
import Testing
import TLSClientHello

/// `ClientHelloParser` on ClientHellos that BoringSSL (swift-nio-ssl's client) really sends,
/// whole and drip-fed, and on bytes that are not one.
struct ClientHelloParserTests {
    /// The first flight of a TLS client offering `protocols` by ALPN and asking for `serverName`.
    static func clientHello(serverName: String?, protocols: [String]) throws -> [UInt8] {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.applicationProtocols = protocols
        let context = try NIOSSLContext(configuration: configuration)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: serverName))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        var bytes: [UInt8] = []
        while let out = try channel.readOutbound(as: ByteBuffer.self) { bytes += out.readableBytesView }
        _ = try? channel.finish()
        return bytes
    }

    @Test func readsTheNameAndProtocolsOfARealClientHello() throws {
        let bytes = try Self.clientHello(serverName: "Mail.Example.TEST", protocols: ["acme-tls/1"])
        #expect(bytes.count > 100 && bytes[0] == 22)
        #expect(ClientHelloParser.parse(bytes) == .clientHello(ClientHelloSummary(serverName: "mail.example.test", applicationProtocols: ["acme-tls/1"])))
        let plain = try Self.clientHello(serverName: nil, protocols: [])
        #expect(ClientHelloParser.parse(plain) == .clientHello(ClientHelloSummary(serverName: nil, applicationProtocols: [])))
        let several = try Self.clientHello(serverName: "a.example", protocols: ["imap", "h2"])
        #expect(ClientHelloParser.parse(several) == .clientHello(ClientHelloSummary(serverName: "a.example", applicationProtocols: ["imap", "h2"])))
    }

    @Test func everyPrefixNeedsMoreDataAndTheWholeIsEnough() throws {
        let bytes = try Self.clientHello(serverName: "mail.example.test", protocols: ["acme-tls/1"])
        for end in 0..<bytes.count {
            #expect(ClientHelloParser.parse(bytes[..<end]) == .needMoreData, "prefix of \(end) bytes")
        }
        // What follows the ClientHello (another record) does not change the answer.
        guard case .clientHello = ClientHelloParser.parse(bytes + [23, 3, 3, 0, 1, 0]) else {
            Issue.record("trailing bytes made it unreadable")
            return
        }
    }

    /// RFC 8446 §5.1: a handshake message may be split across records; the reader joins them.
    @Test func joinsAClientHelloSplitAcrossRecords() throws {
        let bytes = try Self.clientHello(serverName: "mail.example.test", protocols: ["acme-tls/1"])
        let fragment = Array(bytes[5...])
        let first = Array(fragment[..<40]), second = Array(fragment[40...])
        func record(_ body: [UInt8]) -> [UInt8] { [22, 3, 1, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body }
        #expect(ClientHelloParser.parse(record(first) + record(second)) == ClientHelloParser.parse(bytes))
        #expect(ClientHelloParser.parse(record(first)) == .needMoreData)
    }

    @Test func refusesWhatIsNotAClientHello() throws {
        #expect(ClientHelloParser.parse(Array("GET / HTTP/1.1\r\n".utf8)) == .notClientHello)
        #expect(ClientHelloParser.parse(Array("a001 LOGIN".utf8)) == .notClientHello)
        // A record longer than TLS allows (RFC 8446 §5.1: 2^14).
        #expect(ClientHelloParser.parse([22, 3, 1, 0x40, 0x01]) == .notClientHello)
        // A ServerHello (type 2) where a ClientHello must be.
        #expect(ClientHelloParser.parse([22, 3, 3, 0, 4, 2, 0, 0, 0]) == .notClientHello)
        // A ClientHello whose extensions overrun its body.
        var bytes = try Self.clientHello(serverName: "mail.example.test", protocols: ["acme-tls/1"])
        let body = 5 + 4
        let sessionLength = Int(bytes[body + 34])
        let suites = body + 35 + sessionLength
        let suitesLength = Int(bytes[suites]) << 8 | Int(bytes[suites + 1])
        let compression = suites + 2 + suitesLength
        let extensions = compression + 1 + Int(bytes[compression])
        bytes[extensions] = 0xFF
        #expect(ClientHelloParser.parse(bytes) == .notClientHello)
    }

    /// Seeded byte flips of a real ClientHello: always one of the three answers, never a trap.
    @Test func survivesCorruptedClientHellos() throws {
        let original = try Self.clientHello(serverName: "mail.example.test", protocols: ["acme-tls/1", "imap"])
        var generator = SeededGenerator(seed: 8737)
        var outcomes: Set<String> = []
        for _ in 0..<3000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            switch ClientHelloParser.parse(bytes) {
            case .needMoreData: outcomes.insert("more")
            case .notClientHello: outcomes.insert("not")
            case .clientHello: outcomes.insert("hello")
            }
        }
        #expect(outcomes == ["more", "not", "hello"])
    }
}

/// A deterministic generator (SplitMix64), so a failing corruption can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
