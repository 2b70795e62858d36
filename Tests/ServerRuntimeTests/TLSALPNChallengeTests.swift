import Foundation
import HatoTesting
import Logging
import NIOSSL
import ServerRuntime
import ServiceLifecycle
import Testing

/// tls-alpn-01 answered on an implicit-TLS listener (RFC 8737 §3): a ClientHello offering
/// `acme-tls/1` for a name with a pending challenge gets the challenge certificate and that
/// protocol, then the connection closes; every other client gets the real certificate and the
/// session's greeting, encrypted.
struct TLSALPNChallengeTests {
    struct Challenges: TLSALPNChallengeSource {
        let name: String
        let identity: TLSIdentity
        func challengeIdentity(forServerName name: String) -> TLSIdentity? { name == self.name ? identity : nil }
    }

    static func certificate(_ hostname: String, in directory: TemporaryDirectory) throws -> (pem: String, identity: TLSIdentity) {
        let cert = directory.url.appendingPathComponent("\(hostname).pem"), key = directory.url.appendingPathComponent("\(hostname).key")
        try DevelopmentCertificate.ensure(certificate: cert, key: key, hostname: hostname)
        return (cert.path, try TLSIdentity.load(certificate: cert, key: key))
    }

    @Test func servesTheChallengeOnlyToAcmeTLSClientsForThatName() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-alpn")
        let real = try Self.certificate("real.example.test", in: directory)
        let challenge = try Self.certificate("challenge.example.test", in: directory)
        let provider = try TLSProvider(certificates: TLSCertificates(defaultIdentity: real.identity))
        provider.answerTLSALPNChallenges(from: Challenges(name: "mail.example.test", identity: challenge.identity))
        var configuration = ListenerService.Configuration(
            name: "imaps", addresses: [BindAddress(host: "127.0.0.1", port: 0)], implicitTLS: true, maxConnectionsPerIP: 20)
        configuration.gracePeriod = .seconds(5)
        let listener = ListenerService(configuration: configuration, protocolServer: LineProtocol(), tls: provider, logger: Logger(label: "test"))
        let group = ServiceGroup(configuration: .init(services: [listener], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try #require(await listener.boundAddresses().first?.port)
            let result = try await Python.run("""
                import hashlib, socket, ssl, sys
                port, real, challenge = int(sys.argv[1]), sys.argv[2], sys.argv[3]
                def der(path): return ssl.PEM_cert_to_DER_cert(open(path).read())
                names = {hashlib.sha256(der(real)).hexdigest(): "real", hashlib.sha256(der(challenge)).hexdigest(): "challenge"}
                def connect(sni, alpn):
                    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                    ctx.check_hostname = False
                    ctx.verify_mode = ssl.CERT_NONE
                    if alpn: ctx.set_alpn_protocols(alpn)
                    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=20), server_hostname=sni)
                    seen = names.get(hashlib.sha256(s.getpeercert(True)).hexdigest(), "other")
                    try:
                        first = s.recv(100).decode().strip() or "closed"
                    except (ssl.SSLError, ConnectionError) as e:
                        first = "closed"
                    print(sni, ",".join(alpn or ["-"]), seen, s.selected_alpn_protocol(), first)
                    s.close()
                # Clients that leave before their ClientHello is complete: the held greeting is dropped.
                socket.create_connection(("127.0.0.1", port)).close()
                half = socket.create_connection(("127.0.0.1", port)); half.sendall(bytes([22, 3, 1, 2, 0, 1, 0])); half.close()
                connect("mail.example.test", ["acme-tls/1"])
                connect("mail.example.test", None)
                connect("mail.example.test", ["imap"])
                connect("other.example.test", ["acme-tls/1"])
                """, arguments: ["\(port)", real.pem, challenge.pem])
            #expect(result.stdout.split(separator: "\n") == [
                "mail.example.test acme-tls/1 challenge acme-tls/1 closed",
                "mail.example.test - real None hello",
                "mail.example.test imap real None hello",
                "other.example.test acme-tls/1 real None hello",
            ], "\(result.stdout) \(result.stderr)")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
