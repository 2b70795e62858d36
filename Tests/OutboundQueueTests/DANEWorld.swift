import DNSClient
import Foundation
import HatoTesting
import Logging
import NIOSSL
import OutboundQueue
import SMTPClient
import Testing

/// The DANE test world: an openssl test PKI, two aiosmtpd peers on loopback (one with STARTTLS
/// and the test certificate chain, one without), and ldnsutils-signed zones whose TLSA records
/// name the peers' ports (Fixtures/make-dane-zones.sh), served by a real unbound and validated in
/// process by libunbound.
struct DANEWorld {
    let certificates: TemporaryDirectory
    let tlsPeer: ScriptedPeer
    let plainPeer: ScriptedPeer
    let resolver: ValidatingResolver

    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)").path
    }

    /// False (and a recorded issue in CI) without unbound, ldnsutils, openssl or aiosmtpd.
    static func available() -> Bool {
        if SignedZoneServer.toolsInstalled, FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), Python.hasModules("aiosmtpd") {
            return true
        }
        if Python.requiredInCI { Issue.record("unbound, ldnsutils, openssl or aiosmtpd missing in CI: .ci/run installs them") }
        return false
    }

    static func with(_ fixture: QueueFixture, _ body: (DANEWorld) async throws -> Void) async throws {
        let certificates = try TemporaryDirectory(prefix: "hato-dane-pki")
        let make = try ChildProcess(executable: URL(fileURLWithPath: "/bin/sh"), arguments: [Self.fixture("make-dane-certs.sh"), certificates.path])
        let status = await make.exit(timeout: .seconds(60))
        try require(status == 0, "make-dane-certs.sh failed: \(make.errorOutput)")
        let tlsPeer = try await ScriptedPeer.start(.init(tls: (certificates.path + "/chain.pem", certificates.path + "/mx.key")),
                                                   directory: fixture.directory)
        let plainPeer = try await ScriptedPeer.start(.init(), directory: fixture.directory)
        do {
            try await SignedZoneServer.with(script: Self.fixture("make-dane-zones.sh"),
                                            arguments: [certificates.path, String(try tlsPeer.port), String(try plainPeer.port)]) { resolver, _ in
                try await body(DANEWorld(certificates: certificates, tlsPeer: tlsPeer, plainPeer: plainPeer, resolver: resolver))
            }
        } catch {
            await tlsPeer.stop()
            await plainPeer.stop()
            throw error
        }
        await tlsPeer.stop()
        await plainPeer.stop()
    }

    /// A runner whose MX port is `port`, with DANE on, through the validating resolver.
    /// `mxTrust`: the roots the SMTP client checks certificates against in the verified modes (MTA-STS).
    func runner(_ fixture: QueueFixture, port: Int, mtaSTS: MTASTSPolicyCache? = nil, mxTrust: TLSConfiguration? = nil) throws -> QueueRunner {
        let configuration = OutboundConfiguration(hostname: QueueFixture.hostname, mxPort: port)
        var logger = Logger(label: "test.dane")
        logger.logLevel = .critical
        var mx = SMTPClientConfiguration(heloName: QueueFixture.hostname, tlsMode: .opportunistic)
        mx.commandTimeout = .seconds(30)
        if let mxTrust { mx.tlsConfiguration = mxTrust }
        let security = TransportSecurityPolicy(resolver: resolver, dane: true, mtaSTS: mtaSTS, logger: logger)
        let router = DeliveryRouter(resolver: resolver, mxPort: port, hostname: QueueFixture.hostname, transportSecurity: security)
        let clock = fixture.clock
        return QueueRunner(store: fixture.store, transport: SMTPDeliveryTransport(mx: mx, logger: logger), router: router,
                           configuration: configuration, logger: logger, now: { clock.now })
    }
}
