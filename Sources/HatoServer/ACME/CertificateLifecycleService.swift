import ACME
import Foundation
import Logging
import ServiceLifecycle

/// Keeps the `[acme]` certificate current while `hato serve` runs: obtains it at start when
/// missing, renews it at two thirds of its lifetime or when `acme.hostnames` changes, retries
/// failures with a doubling, bounded backoff, and installs each new certificate through the
/// SIGHUP reload path (`reload`), so every TLS listener serves it to new handshakes while open
/// sessions keep theirs.
struct CertificateLifecycleService: Service {
    let settings: ACMESettings
    let files: ACMECertificateFiles
    let challenges: ACMEChallengeStore
    /// Waits until the listeners that answer challenges are bound.
    let listenersReady: @Sendable () async -> Void
    /// Swaps the installed files into the TLS provider; false when the reload failed.
    let reload: @Sendable () -> Bool
    let logger: Logger
    /// The longest single sleep: the schedule is looked at again after it, so a suspended
    /// machine or a changed clock cannot make a renewal late by much.
    var maximumSleep: Duration = .seconds(3600)

    func run() async throws {
        await listenersReady()
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let plan = ACMERenewalPlan.decide(
                    installed: files.installed(), configured: files.names, state: files.loadState(), now: Date(),
                    minimumInterval: settings.retryInitial)
                switch plan {
                case .wait(let until):
                    let seconds = max(1, min(until.timeIntervalSinceNow, Double(maximumSleep.components.seconds)))
                    try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                case .obtain(let reason):
                    await attempt(reason: reason)
                }
            }
        }
    }

    /// One issuance; the outcome (and on failure, when to try again) goes to state.json.
    func attempt(reason: String) async {
        var state = files.loadState()
        if state.names != files.names { state = ACMEState() }
        state.names = files.names
        state.lastAttempt = Date()
        logger.notice("requesting a certificate from the ACME CA", metadata: [
            "names": "\(files.names.joined(separator: ","))", "reason": "\(reason)", "directory": "\(settings.directory)",
            "challenge": "\(settings.challenge.rawValue)"])
        let transport = ACMEHTTPClient(caFile: settings.caFile?.path)
        do {
            let (accountKey, created) = try files.loadOrCreateAccountKey()
            if created {
                logger.notice("ACME account key created", metadata: ["file": "\(files.accountKey.path)", "thumbprint": "\(accountKey.thumbprint)"])
            }
            let client = ACMEClient(directoryURL: settings.directory, key: accountKey, transport: transport, logger: logger)
            let issuer = ACMEIssuer(client: client, challenges: challenges,
                                    challengeType: settings.challenge == .http01 ? .http01 : .tlsALPN01,
                                    contact: ["mailto:" + settings.email], logger: logger)
            let key = try files.certificateKey(rotate: settings.rotateKey)
            let chain = try await issuer.issue(names: files.names, key: key)
            try files.install(chain: chain, key: key)
            state.failures = 0
            state.lastError = nil
            state.nextAttempt = nil
            state.lastIssued = Date()
            try? files.save(state)
            let installed = files.installed()
            let reloaded = reload()
            logger.notice("ACME certificate installed", metadata: [
                "names": "\(files.names.joined(separator: ","))", "serial": "\(installed?.serial ?? "?")",
                "not_after": "\(installed.map { "\($0.notAfter)" } ?? "?")",
                "next_renewal": "\(installed.map { "\($0.renewalDate)" } ?? "?")", "served": "\(reloaded)",
                "key": "\(settings.rotateKey ? "new" : "kept")"])
        } catch where Task.isCancelled {
            // Shutdown interrupted the attempt: not a failure, no backoff.
            logger.info("ACME certificate request interrupted by shutdown", metadata: ["names": "\(files.names.joined(separator: ","))"])
        } catch {
            state.failures += 1
            let delay = ACMERenewalPlan.backoff(failures: state.failures, initial: settings.retryInitial, maximum: settings.retryMaxInterval)
            state.lastError = "\(error)"
            state.nextAttempt = Date().addingTimeInterval(Double(delay.components.seconds))
            try? files.save(state)
            logger.error("ACME certificate request failed", metadata: [
                "names": "\(files.names.joined(separator: ","))", "error": "\(error)", "failures": "\(state.failures)",
                "retry_in": "\(delay)", "keeping": "\(files.installed() == nil ? "the self-signed certificate" : "the current certificate")"])
        }
        try? await transport.shutdown()
    }
}
