import HatoTesting
import NIOCore
import Testing
@testable import ServerRuntime

/// The negotiated cipher suite, which swift-nio-ssl does not expose, read from the ServerHello
/// as it leaves: against Python's OpenSSL on both listener kinds, and the reader on its own.
@Suite struct TLSCipherRecordingTests {
    @Test(arguments: [false, true])
    func sessionNamesTheSuiteTheClientNegotiated(startTLS: Bool) async throws {
        try await ListenerServiceTests().withListener(implicitTLS: !startTLS, tls: true) { port, _, _ in
            let result = try await Python.run("""
                import socket, ssl, sys
                port, starttls = int(sys.argv[1]), sys.argv[2] == "1"
                cases = [(ssl.TLSVersion.TLSv1_3, None), (ssl.TLSVersion.TLSv1_2, "ECDHE+AESGCM"),
                         (ssl.TLSVersion.TLSv1_2, "ECDHE+CHACHA20"), (ssl.TLSVersion.TLSv1_2, "ECDHE+AES128+SHA1")]
                for version, ciphers in cases:
                    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                    ctx.minimum_version = ctx.maximum_version = version
                    if ciphers: ctx.set_ciphers(ciphers)
                    raw = socket.create_connection(("127.0.0.1", port))
                    if starttls:
                        f = raw.makefile("rb"); f.readline(); raw.sendall(b"starttls\\r\\n"); f.readline()
                    t = ctx.wrap_socket(raw); r = t.makefile("rb")
                    if not starttls: r.readline()
                    t.sendall(b"tls\\r\\n")
                    served = r.readline().decode().strip()
                    print(served == f"{t.version()} with cipher {t.cipher()[0]}", served)
                    t.close()
                """, arguments: ["\(port)", startTLS ? "1" : "0"])
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 4, "\(result.stdout) \(result.stderr)")
            for line in lines { #expect(line.hasPrefix("True "), "\(line)") }
            #expect(Set(lines).count == 4, "four different suites: \(lines)")
        }
    }

    /// A TLS 1.2 ServerHello with a full 32-byte session id, fed one byte at a time.
    @Test func readerFindsTheSuiteAcrossSplitWrites() {
        var hello: [UInt8] = [22, 3, 3, 0, 80, 2, 0, 0, 76, 3, 3]
        hello += [UInt8](repeating: 0x42, count: 32)
        hello += [32] + [UInt8](repeating: 0x07, count: 32)
        hello += [0xC0, 0x2F, 0]
        var reader = ServerHelloReader()
        var found: [UInt16] = []
        for byte in hello { if let suite = reader.feed([byte]) { found.append(suite) } }
        #expect(found == [0xC02F] && reader.done)
        #expect(TLSCipherSuiteNames.name(0xC02F) == "ECDHE-RSA-AES128-GCM-SHA256")
        #expect(TLSCipherSuiteNames.name(0x1302) == "TLS_AES_256_GCM_SHA384")
        #expect(TLSCipherSuiteNames.name(0x00A1) == "0x00A1", "unknown suites by code point")
    }

    @Test func readerGivesUpOnAnythingElse() {
        var alert = ServerHelloReader()
        #expect(alert.feed([21, 3, 3, 0, 2, 2, 40]) == nil && alert.done, "an alert record")
        var badSessionID = ServerHelloReader()
        let head: [UInt8] = [22, 3, 3, 0, 80, 2, 0, 0, 76, 3, 3] + [UInt8](repeating: 0, count: 32) + [33]
        #expect(badSessionID.feed(head + [UInt8](repeating: 0, count: 40)) == nil && badSessionID.done)
    }
}
