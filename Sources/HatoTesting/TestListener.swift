import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServerRuntime
import ServiceLifecycle

/// A protocol server running on 127.0.0.1 port 0 for a test, with a TLS provider backed by a
/// freshly generated self-signed certificate.
public final class TestListener: Sendable {
    public let port: Int
    public let tls: TLSProvider
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    public static func start(
        _ protocolServer: any ProtocolServer, name: String = "test", implicitTLS: Bool = false, maxPerIP: Int = 50,
        host: String = "127.0.0.1", metrics: ServerMetrics = .none, ownEventLoop: Bool = false
    ) async throws -> TestListener {
        let tls = try TestTLS.provider()
        var configuration = ListenerService.Configuration(
            name: name, addresses: [BindAddress(host: host, port: 0)], implicitTLS: implicitTLS, maxConnectionsPerIP: maxPerIP)
        configuration.gracePeriod = .seconds(5)
        configuration.metrics = metrics
        var logger = Logger(label: "test.\(name)")
        logger.logLevel = .warning
        // A test that loads its server heavily (a decompression bomb) asks for its own event loop,
        // so the loops every other suite shares are not held while it runs.
        let loop = ownEventLoop ? MultiThreadedEventLoopGroup(numberOfThreads: 1) : nil
        let listener = ListenerService(configuration: configuration, protocolServer: protocolServer, tls: tls,
                                       group: loop ?? MultiThreadedEventLoopGroup.singleton, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [listener], logger: logger))
        let task = Task { try await group.run() }
        guard let port = await listener.boundAddresses().first?.port else { throw ConformanceFailure("listener did not bind") }
        return TestListener(port: port, tls: tls, group: group, task: task, loop: loop)
    }

    private let loop: MultiThreadedEventLoopGroup?

    private init(port: Int, tls: TLSProvider, group: ServiceGroup, task: Task<Void, any Error>, loop: MultiThreadedEventLoopGroup?) {
        self.port = port
        self.tls = tls
        self.group = group
        self.task = task
        self.loop = loop
    }

    /// Graceful shutdown, as SIGTERM would do it.
    public func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
        try await loop?.shutdownGracefully()
    }
}

public enum TestTLS {
    /// A TLS provider with a new self-signed certificate for localhost (TLS 1.2 minimum), with
    /// channel binding capture (SCRAM -PLUS on TLS 1.3).
    public static func provider() throws -> TLSProvider {
        let directory = try TemporaryDirectory(prefix: "hato-tls")
        let cert = directory.url.appendingPathComponent("cert.pem"), key = directory.url.appendingPathComponent("key.pem")
        try DevelopmentCertificate.ensure(certificate: cert, key: key, hostname: "localhost")
        return try TLSProvider(certificates: TLSCertificates(defaultIdentity: try TLSIdentity.load(certificate: cert, key: key)))
    }
}
