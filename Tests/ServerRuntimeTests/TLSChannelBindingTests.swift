import Foundation
import HatoTesting
import NIOCore
import Testing
@testable import ServerRuntime

/// The RFC 9266 `tls-exporter` value the TLS layer hands to sessions, compared with the one
/// OpenSSL's s_client computes for the same connection (`-keymatexport`), on implicit TLS and
/// after STARTTLS; and SNI name matching.
@Suite struct TLSChannelBindingTests {
    @Test(arguments: [false, true])
    func exporterMatchesOpenSSL(startTLS: Bool) async throws {
        try await ListenerServiceTests().withListener(implicitTLS: !startTLS, tls: true) { port, _, _ in
            let result = try await Python.run(SClientDialog.prelude + """
                port, starttls = sys.argv[1], sys.argv[2] == "1"
                for version in ["-tls1_3", "-tls1_2"]:
                    if starttls:
                        # s_client has no STARTTLS mode for this line protocol: do the plaintext part by hand.
                        import socket, ssl
                        raw = socket.create_connection(("127.0.0.1", int(port))); f = raw.makefile("rb")
                        f.readline(); raw.sendall(b"starttls\\r\\n"); f.readline()
                        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                        ctx.maximum_version = ssl.TLSVersion.TLSv1_3 if version == "-tls1_3" else ssl.TLSVersion.TLSv1_2
                        t = ctx.wrap_socket(raw); t.sendall(b"binding\\r\\n")
                        print(t.version(), t.makefile("rb").readline().decode().strip())
                        t.close()
                    else:
                        peer = SClient(port, [version])
                        peer.reply(lambda l: l == "hello")
                        peer.send("binding")
                        served = peer.reply(lambda l: l == "none" or re.match(r"^[0-9A-F]{64}$", l) is not None)
                        print(peer.version, served == peer.exporter.hex().upper() if served != "none" else "none")
                        peer.close()
                """, arguments: ["\(port)", startTLS ? "1" : "0"])
            if startTLS {
                // Python's ssl cannot export keying material; the value is checked against
                // OpenSSL on implicit TLS. Here: present on TLS 1.3 after STARTTLS, absent on 1.2.
                let lines = result.stdout.split(separator: "\n").map(String.init)
                #expect(lines.count == 2, "\(result.stdout) \(result.stderr)")
                #expect(lines.first.map { $0.hasPrefix("TLSv1.3 ") && $0.count == 8 + 64 } == true, "\(lines)")
                #expect(lines.last == "TLSv1.2 none", "\(lines)")
            } else {
                #expect(result.stdout == "TLSv1.3 True\nTLSv1.2 none\n", "\(result.stdout) \(result.stderr)")
            }
        }
    }

    @Test func keyLogLinesReachOnlyTheirConnection() {
        let capture = TLSExporterCapture()
        let first = TLSConnectionState(), second = TLSConnectionState()
        let randomA = [UInt8](repeating: 0xAA, count: 32), randomB = [UInt8](repeating: 0xBB, count: 32)
        #expect(capture.register(clientRandom: randomA, state: first))
        #expect(capture.register(clientRandom: randomB, state: second))
        func line(_ label: String, _ random: [UInt8], _ secret: [UInt8]) -> ByteBuffer {
            ByteBuffer(string: "\(label) \(random.map { String(format: "%02x", $0) }.joined()) \(secret.map { String(format: "%02x", $0) }.joined())\n")
        }
        capture.keyLog(line("CLIENT_TRAFFIC_SECRET_0", randomA, Array(repeating: 1, count: 32)))
        #expect(first.channelBinding == nil, "other key-log lines are ignored")
        capture.keyLog(line("EXPORTER_SECRET", randomA, Array(repeating: 1, count: 32)))
        #expect(first.channelBinding?.count == 32)
        #expect(second.channelBinding == nil)
        #expect(capture.pendingCount == 1, "a connection is forgotten once its secret arrived")
        capture.keyLog(line("EXPORTER_SECRET", randomB, Array(repeating: 1, count: 48)))
        #expect(second.channelBinding?.count == 32 && second.channelBinding != first.channelBinding, "SHA-384 suites too")
        #expect(capture.pendingCount == 0)

        // A replayed ClientHello random: neither connection gets a value.
        let victim = TLSConnectionState(), replay = TLSConnectionState()
        #expect(capture.register(clientRandom: randomA, state: victim))
        #expect(!capture.register(clientRandom: randomA, state: replay))
        capture.keyLog(line("EXPORTER_SECRET", randomA, Array(repeating: 2, count: 32)))
        #expect(victim.channelBinding == nil && replay.channelBinding == nil)
    }

    @Test func sniNamesMatchExactlyThenByWildcard() throws {
        let directory = try TemporaryDirectory(prefix: "hato-sni-unit")
        func identity(_ name: String) throws -> TLSIdentity {
            let cert = directory.url.appendingPathComponent("\(name).pem"), key = directory.url.appendingPathComponent("\(name).key")
            try DevelopmentCertificate.ensure(certificate: cert, key: key, hostname: name)
            return try TLSIdentity.load(certificate: cert, key: key)
        }
        let certificates = TLSCertificates(defaultIdentity: try identity("default"), byHostname: [
            "Mail.Example.ORG": try identity("exact"), "*.example.org": try identity("wild"),
        ])
        func pick(_ name: String?) -> String? { certificates.identity(forServerName: name)?.certificatePath.split(separator: "/").last.map(String.init) }
        #expect(pick("mail.example.org") == "exact.pem")
        #expect(pick("MAIL.EXAMPLE.ORG.") == "exact.pem")
        #expect(pick("imap.example.org") == "wild.pem")
        #expect(pick("a.b.example.org") == nil, "a wildcard covers one label")
        #expect(pick("example.org") == nil)
        #expect(pick(nil) == nil && pick("") == nil)
    }
}
