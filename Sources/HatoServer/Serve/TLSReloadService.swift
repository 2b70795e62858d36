import Dispatch
import Foundation
import Logging
import NIOSSL
import ServerRuntime
import ServiceLifecycle

/// Certificate rotation: on SIGHUP the running server re-reads the certificate and key files the
/// configuration names (`tls.cert`/`tls.key` and every `[[tls.certificates]]` entry) and swaps
/// them into the shared `TLSProvider`. Sessions already open keep the TLS state they negotiated;
/// new handshakes get the new certificates. The ACME certificate (`[acme]`) is installed through
/// the same path (`CertificateLifecycleService`). If any file is missing, unreadable or does not match
/// its key, nothing changes and the reason is logged.
struct TLSReloadService: Service {
    let provider: TLSProvider
    let config: HatoConfig
    let logger: Logger

    func run() async throws {
        let signals = SignalStream(SIGHUP)
        for await _ in signals.stream.cancelOnGracefulShutdown() {
            reload()
        }
        signals.stop()
    }

    /// Rereads the files and swaps them in; false (and the old certificates kept) on failure.
    @discardableResult
    func reload() -> Bool {
        do {
            let certificates = try TLSSetup.certificates(config)
            try provider.reload(certificates)
            let serial = certificates.defaultIdentity.chain.first.map { Self.serial($0) } ?? "?"
            logger.notice("reloaded TLS certificates", metadata: [
                "cert": "\(certificates.defaultIdentity.certificatePath)", "serial": "\(serial)",
                "sni_names": "\(certificates.byHostname.count)",
            ])
            return true
        } catch {
            logger.error("TLS certificate reload failed; keeping the previous certificates", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// The leaf's serial number in hex, as `openssl x509 -serial` prints it.
    static func serial(_ certificate: NIOSSLCertificate) -> String {
        certificate.serialNumber.map { String(format: "%02X", $0) }.joined()
    }
}

/// A Unix signal as an async stream; the signal no longer has its default action (SIGHUP:
/// terminate) while the stream exists. (`@unchecked`: the dispatch source is only created
/// here and cancelled in `stop()`, both thread-safe.)
final class SignalStream: @unchecked Sendable {
    let stream: AsyncStream<Void>
    private let source: any DispatchSourceSignal

    init(_ signalNumber: Int32) {
        #if canImport(Darwin)
        // Darwin delivers signal sources through kqueue, beside sigaction: ignore the default
        // action. On Linux libdispatch installs its own handler (as ServiceLifecycle relies on).
        signal(signalNumber, SIG_IGN)
        #endif
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
        source.setEventHandler { continuation.yield() }
        source.setCancelHandler { continuation.finish() }
        source.resume()
        self.stream = stream
        self.source = source
    }

    func stop() { source.cancel() }
}
