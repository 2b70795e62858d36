import ACME
import Foundation
import HTTPService
import IMAPProtocol
import IMAPServer
import Logging
import MailAuth
import MailStore
import MailStorePostgres
import MailStoreSQLite
import OpenPGP
import POP3Server
import ManageSieveServer
import SASL
import SMTPProtocol
import Reception
import SMTPServer
import ServerRuntime
import ServiceLifecycle

/// `hato serve`: opens the store, prepares TLS, starts every configured listener whose protocol
/// this build serves, and shuts down gracefully on SIGTERM/SIGINT (listeners close, sessions
/// finish their command, then the store closes).
public struct HatoService {
    public let config: LoadedConfig
    public let logger: Logger
    /// Answers ACME http-01 challenges on the HTTP listeners (token -> key authorization; nil
    /// is 404). Set by the ACME client's composition; unset, every challenge path is 404.
    public var acmeHTTP01: ACMEHTTP01Responder?
    public init(config: LoadedConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    public func run(output: (String) -> Void) async throws {
        let settings = config.settings
        // Before anything is created as root: refuses a root start that would stay root.
        let privileges = try PrivilegeDrop.prepare(settings)
        try FileManager.default.createDirectory(at: settings.dataDirectory, withIntermediateDirectories: true)
        // A store a newer build migrated is refused before the lock file below is created.
        try StoreFactory.refuseNewerFormat(settings)
        // Held until the process ends: `hato store check` refuses to run while it is held.
        let lock = try DataDirectoryLock(dataDirectory: settings.dataDirectory, mode: .server)
        defer { withExtendedLifetime(lock) {} }
        // Messages past limits.spool_threshold while they arrive (unnamed files: nothing to clean up);
        // made only once the store's format is known to be ours (a refused directory stays untouched).
        try FileManager.default.createDirectory(at: settings.spoolDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let store: any MailStore
        switch settings.store.backend {
        case .sqlite:
            let embedded = try StoreFactory.openEmbedded(settings, logger: logger)
            let swept = try await embedded.sweepOrphanBodies()
            if swept > 0 { logger.notice("removed unreferenced message files left by an earlier crash", metadata: ["count": "\(swept)"]) }
            store = embedded
        case .postgres:
            // Connects and creates or checks the schema now, so a wrong URL or password fails the start.
            let shared = try StoreFactory.openShared(settings, logger: logger)
            do {
                try await shared.waitUntilReady()
            } catch {
                try? await shared.close()
                throw error
            }
            logger.info("using the shared PostgreSQL store", metadata: ["url": "\(settings.store.postgres?.displayURL ?? "?")"])
            let swept = try await shared.sweepOrphanBodies()
            if swept > 0 { logger.notice("removed unreferenced message bodies left by an earlier crash", metadata: ["count": "\(swept)"]) }
            store = shared
        }
        let tls = try TLSSetup.prepare(settings)
        if settings.tlsCertificate == nil {
            logger.warning("using a self-signed certificate; set tls.cert and tls.key for production", metadata: ["cert": "\(tls.certificate.path)"])
        }
        let provider = tls.provider
        let acmeChallenges = ACMEChallengeStore()
        provider.handshakeTimeout = settings.limits.tlsHandshakeTimeout
        let descriptors = DescriptorLimit.raise()
        let caps = ConnectionCaps.resolve(
            configured: settings.limits.maxConnections, perListener: settings.limits.maxConnectionsPerListener,
            descriptorLimit: descriptors, deliveryConnections: settings.delivery.maxConnections, logger: logger)
        logger.info("connection limits", metadata: [
            "descriptor_limit": "\(descriptors)", "max_connections": "\(caps.total)", "max_connections_per_listener": "\(caps.perListener)"])
        let metrics = HatoMetrics()
        let clientSettings = HTTPSetup.ClientSettingsBox()
        // One throttle for every login, the dashboard's too: a password guessed over HTTP counts for IMAP.
        let throttle = AuthSetup.throttle(settings, store: store)
        // PBKDF2 of PLAIN/LOGIN passwords: bounded for the whole process (docs/authentication.md).
        PasswordCheckGate.shared.configure(limit: settings.auth.maxConcurrentPasswordChecks, queue: settings.auth.passwordCheckQueue)
        var protocols = Self.makeProtocols(settings, store: store, logger: logger, metrics: ServerMetrics(factory: metrics.factory),
                                           throttle: throttle)
        // [acme] http-01 is answered by the HTTP listeners from the challenge store (docs/acme.md).
        let http01 = acmeHTTP01 ?? (settings.acme?.challenge == .http01 ? ACMESetup.http01Responder(acmeChallenges) : nil)
        protocols.merge(HTTPSetup.protocols(settings, store: store, clientSettings: clientSettings, metrics: metrics,
                                            acmeHTTP01: http01, throttle: throttle)) { mail, _ in mail }
        if let admin = settings.listeners[.admin], !admin.allSatisfy(\.isLoopback) {
            logger.warning("listen.admin is not on loopback: /metrics is readable by anyone who can reach it (dashboard logins are refused from other addresses)", metadata: ["admin": "\(admin)"])
        }
        let listeners = makeListeners(tls: provider, protocols: protocols, caps: caps, metrics: ServerMetrics(factory: metrics.factory))
        // [acme]: challenges answered by the listeners, the certificate kept current (docs/acme.md).
        let acme = ACMESetup.make(settings, challenges: acmeChallenges, provider: provider, listenersReady: {
            for listener in listeners { _ = await listener.boundAddresses() }
        }, logger: Logger(label: "hato.acme"))
        if acme != nil { ACMESetup.checkListeners(settings, logger: logger) }
        let queue = DeliverySetup.runner(settings, store: store, resolver: DNSSetup.resolver(settings, logger: logger), logger: logger,
                                         metrics: metrics.factory)
        // The service group stops services in reverse order: listeners (and their sessions)
        // first, then the outbound queue (each connection finishes its message), the store last.
        let closer = StoreCloser(store: store, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: StoreService(closer: closer))]
        if let queue { services.append(.init(service: queue)) }
        services.append(.init(service: TLSReloadService(provider: provider, config: settings, logger: logger)))
        if let acme { services.append(.init(service: acme)) }
        if let reports = DMARCReportSetup.service(settings, store: store, queueRuns: queue != nil, logger: logger) {
            services.append(.init(service: reports))
        }
        if let reports = TLSReportSetup.service(settings, store: store, queueRuns: queue != nil, logger: logger) {
            services.append(.init(service: reports))
        }
        services.append(.init(service: ReportRetentionSetup.service(settings, store: store)))
        services += listeners.map { .init(service: $0) }
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        // A failed service (a listener that could not bind) cancels the group: every service
        // stops at once, so the store is closed only once all of them have ended (below).
        do {
            try await serve(group, listeners: listeners, store: store, clientSettings: clientSettings, tls: tls,
                            queueRuns: queue != nil, privileges: privileges, output: output)
        } catch {
            try? await closer.close()
            throw error
        }
        try await closer.close()
        output("hato stopped")
    }

    /// Runs the service group; prints the banner once every listener is bound.
    func serve(_ group: ServiceGroup, listeners: [ListenerService], store: any MailStore, clientSettings: HTTPSetup.ClientSettingsBox,
               tls: TLSSetup.Material, queueRuns: Bool, privileges: PrivilegeDrop?, output: (String) -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var bound: [String: [String]] = [:], ports: [String: [Int]] = [:]
            for listener in listeners {
                let addresses = await listener.boundAddresses()
                bound[listener.configuration.name] = addresses.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" }
                ports[listener.configuration.name] = addresses.compactMap(\.port)
            }
            // The client documents describe the ports actually bound (port 0 in tests).
            clientSettings.set(HTTPSetup.clientSettings(config.settings, bound: ports))
            // A listener that could not bind has no addresses: its error ends the group and
            // `hato serve` with it (ListenerError.bindFailed), with no banner that claims to serve.
            if !bound.values.contains(where: \.isEmpty) {
                var text = banner(tls: tls, bound: bound, accounts: try await store.accounts().count, delivery: queueRuns)
                if let privileges { text += "\n" + (try dropPrivileges(privileges)) }
                output(text)
                SystemdNotify.send("READY=1\nSTATUS=serving")
            }
            try await tasks.waitForAll()
        }
    }

    /// Every port is bound: give up root (docs/deployment.md). Returns the banner line.
    func dropPrivileges(_ privileges: PrivilegeDrop) throws -> String {
        let settings = config.settings
        privileges.handOver(settings.dataDirectory)
        let certificates = [settings.tlsCertificate, settings.tlsKey].compactMap { $0 }
            + settings.tlsSNICertificates.flatMap { [$0.certificate, $0.key] }
        let unreadable = try privileges.perform(dataDirectory: settings.dataDirectory, readable: certificates)
        logger.notice("dropped root privileges", metadata: [
            "user": "\(privileges.user)", "uid": "\(privileges.uid)", "gid": "\(privileges.gid)"])
        for path in unreadable {
            logger.warning("the server user cannot read this file: a reload (SIGHUP) will fail", metadata: ["path": "\(path)"])
        }
        return "user:        \(privileges.user) (uid \(privileges.uid), gid \(privileges.gid)); root dropped after binding"
    }

    /// The protocol servers of this build, by listener kind. A configured listener whose protocol
    /// is not here yet is reported in the banner and not bound.
    static func makeProtocols(_ settings: HatoConfig, store: any MailStore, logger: Logger,
                              metrics: ServerMetrics = .none, throttle: (any LoginThrottle)? = nil) -> [HatoConfig.ListenerKind: any ProtocolServer] {
        var limits = SMTPLimits(
            maxCommandLineLength: settings.limits.maxLineLength, maxMessageSize: settings.limits.maxMessageSize,
            maxRecipients: settings.limits.maxRecipients, commandTimeout: settings.limits.commandTimeout,
            dataTimeout: settings.limits.dataTimeout)
        limits.dataPhaseTimeout = settings.limits.dataPhaseTimeout
        limits.minDataRate = settings.limits.minDataRate
        // One throttle for every protocol: a password guessed over POP3 counts for SMTP too.
        let throttle = throttle ?? AuthSetup.throttle(settings, store: store)
        // One bound for the messages every SMTP listener processes at once (docs/configuration.md).
        let processingGate = MessageProcessingGate(capacity: settings.limits.processingMemory)
        var mxConfiguration = SMTPConfiguration(hostname: settings.hostname, profile: .mx, limits: limits)
        mxConfiguration.applyAuth(settings)
        mxConfiguration.applyMemoryLimits(settings, gate: processingGate)
        if let resolver = DNSSetup.resolver(settings, logger: logger) {
            mxConfiguration.spf = SPFPolicy(
                resolver: resolver, fail: .init(rawValue: settings.spfFail) ?? .record,
                temperror: .init(rawValue: settings.spfTemperror) ?? .record)
            mxConfiguration.inboundAuthentication = InboundAuthenticationPolicy(
                authenticator: InboundAuthenticator(resolver: resolver, authservID: settings.hostname,
                                                    dkim: settings.dkim.verifierConfiguration, localPolicy: settings.dmarcLocalPolicy),
                recordEvaluations: settings.dmarcRecord,
                // ARC-seal what aliases forward outside with the alias domain's DKIM key (docs/arc.md).
                forwardSealer: settings.dkim.sign ? ARCForwardSealer(store: store, authservID: settings.hostname) : nil,
                failureReporter: DMARCReportSetup.failureReporter(settings, store: store, resolver: resolver))
        }
        // DKIM signing of what authenticated users send, on either listener (docs/dkim.md).
        var submissionConfiguration = SMTPConfiguration(hostname: settings.hostname, profile: .submission, limits: limits)
        submissionConfiguration.applyAuth(settings)
        submissionConfiguration.applyMemoryLimits(settings, gate: processingGate)
        var signer: DKIMSubmissionSigner?
        if settings.dkim.sign {
            signer = DKIMSubmissionSigner(store: store, lifetime: settings.dkim.signatureLifetime > 0 ? settings.dkim.signatureLifetime : nil)
            mxConfiguration.messageSigner = signer
            submissionConfiguration.messageSigner = signer
        }
        // OpenPGP and S/MIME signing and encryption of what accounts submit, before DKIM (docs/openpgp.md, docs/smime.md).
        let contentStages = ProtectionSetup.submissionStages(settings, store: store, logger: logger)
        mxConfiguration.contentStages = contentStages
        submissionConfiguration.contentStages = contentStages
        let sieve = SieveSetup.filter(settings, store: store, signer: signer)
        // The risk assessment runs after the standard stages (docs/security.md "Risk assessment").
        let riskPolicy = RiskSetup.stagePolicy(settings, logger: logger)
        let counters = ReceptionCounters { name, labels in metrics.increment(name, labels) }
        let risk = [RiskStage(policy: riskPolicy, store: store, counters: counters)]
        // The spam controls run on the smtp listener only, before the risk stage (docs/security.md "Spam controls").
        let spam = SpamSetup.stages(settings, store: store, resolver: settings.spam.usesDNSLists ? DNSSetup.resolver(settings, logger: logger) : nil,
                                    risk: riskPolicy, metrics: metrics, logger: logger)
        // Milters run last, on the message as the other stages left it (docs/milter.md).
        let milters = settings.milters.stages(counters: counters)
        // S/MIME verification runs after DMARC, so its field sits on top (docs/smime.md).
        // A passing signer's certificate is kept for encrypting to them (smime.harvest).
        let smime: [any ReceptionStage] = settings.smime.stage.map { stage in
            var stage = stage
            if settings.smime.harvest { stage.harvest = SMIMEKeyImporter.harvester(store: store, dataDirectory: settings.dataDirectory) }
            return [stage]
        } ?? []
        // OpenPGP verification likewise, its Hato-OpenPGP field on top (docs/openpgp.md).
        // Signers the contact directory lacks are looked up where their domain publishes keys.
        let openpgp: [any ReceptionStage] = settings.openpgp.verify
            ? [OpenPGPStage(verifier: OpenPGPVerifier(limits: settings.openpgp.limits), directory: store,
                            locator: OpenPGPKeyLocator.configured(settings, store: store, logger: logger))] : []
        // Autocrypt keys of authenticated senders, per receiving account (docs/openpgp.md#autocrypt),
        // after risk and milters: only from mail they let through.
        let autocryptLearning: [any ReceptionStage] = settings.openpgpLookup.autocryptLearn
            ? [AutocryptLearningStage(store: store, limits: settings.openpgp.limits, peersPerAccount: settings.openpgpLookup.autocryptPeers)] : []
        // Autocrypt (docs/openpgp.md) on what authenticated users send, before DKIM signs it.
        let autocrypt: [any ReceptionStage] = settings.openpgp.autocrypt ? [AutocryptStage(keys: store)] : []
        let intake: [any ReceptionStage] = DMARCReportSetup.intakeStages(settings, store: store) + TLSReportSetup.intakeStages(settings, store: store)
        // Accounts with OpenPGP or S/MIME encryption at rest get their copies sealed (docs/openpgp.md, docs/smime.md).
        let atRest = ProtectionSetup.atRest(settings, store: store)
        let mx = SMTPServer(configuration: mxConfiguration, store: store, throttle: throttle, beforeSigning: autocrypt, extraStages: smime + openpgp + spam + risk + milters + autocryptLearning + intake,
                              sieve: sieve, atRest: atRest,
                              logger: Logger(label: "hato.smtp"))
        let submission = SMTPServer(configuration: submissionConfiguration,
                                    store: store, throttle: throttle, beforeSigning: autocrypt, extraStages: risk + milters, sieve: sieve,
                                    atRest: atRest, logger: Logger(label: "hato.submission"))
        var pop3Configuration = POP3Configuration(hostname: settings.hostname, maxLineLength: settings.limits.maxLineLength)
        pop3Configuration.loginTimeout = settings.limits.pop3LoginTimeout
        pop3Configuration.maxSessionInput = settings.limits.sessionInputBudget
        pop3Configuration.applyAuth(settings)
        let pop3 = POP3Server(configuration: pop3Configuration, store: store, throttle: throttle, logger: Logger(label: "hato.pop3"))
        var imapLimits = IMAPLimits()
        imapLimits.maxLineLength = settings.limits.imapMaxLineLength
        imapLimits.maxLiteralSize = settings.limits.maxMessageSize
        // One command (MULTIAPPEND's messages together) is all a session holds: its input budget.
        imapLimits.maxCommandSize = settings.limits.sessionInputBudget
        imapLimits.maxUnauthenticatedCommandSize = settings.limits.imapUnauthenticatedCommandSize
        imapLimits.maxNonSynchronizingLiteralSize = settings.limits.imapLiteralMinus ? IMAPLimits.literalMinusMaximum : nil
        var imapConfiguration = IMAPConfiguration(
            hostname: settings.hostname, limits: imapLimits, idleTimeout: settings.limits.imapIdleTimeout,
            loginTimeout: settings.limits.imapLoginTimeout, maxSessionsPerUser: settings.limits.imapSessionsPerUser,
            maxMailboxes: settings.limits.imapMaxMailboxes, commandTimeout: settings.limits.imapCommandTimeout)
        imapConfiguration.applyAuth(settings)
        imapConfiguration.messageLimits = settings.limits.messageLimits
        imapConfiguration.threadMaxReferences = settings.limits.imapThreadMaxReferences
        imapConfiguration.maxCatenateURLs = settings.limits.imapCatenateMaxURLs
        imapConfiguration.metadataMaxSize = settings.limits.imapMetadataMaxSize
        imapConfiguration.metadataMaxEntries = settings.limits.imapMetadataMaxEntries
        imapConfiguration.urlAuthMaxURLs = settings.limits.imapURLAuthMaxURLs
        imapConfiguration.urlAuthMaxURLLength = settings.limits.imapURLAuthMaxURLLength
        imapConfiguration.maxUpdateContexts = settings.limits.imapContextUpdates
        imapConfiguration.messageCacheEntries = settings.limits.imapMessageCache
        imapConfiguration.notifyMaxMailboxes = settings.limits.imapNotifyMailboxes
        imapConfiguration.notifyMaxQueued = settings.limits.imapNotifyQueue
        let imap = IMAPServer(configuration: imapConfiguration, store: store, throttle: throttle, logger: Logger(label: "hato.imap"))
        var protocols: [HatoConfig.ListenerKind: any ProtocolServer] = [
            .smtp: mx, .submission: submission, .submissions: submission, .imap: imap, .imaps: imap, .pop3: pop3, .pop3s: pop3]
        // ManageSieve edits the scripts `hato sieve` manages, in the same store (docs/sieve.md).
        if let scripts = store as? any SieveStore {
            var manageSieve = ManageSieveConfiguration(
                hostname: settings.hostname, maxLineLength: settings.limits.maxLineLength, limits: settings.sieve.delivery.limits,
                maxScripts: settings.sieve.maxScripts, loginTimeout: settings.limits.imapLoginTimeout,
                idleTimeout: settings.limits.imapIdleTimeout)
            manageSieve.applyAuth(settings)
            manageSieve.globalDirectory = settings.sieve.delivery.globalDirectory
            protocols[.managesieve] = ManageSieveServer(configuration: manageSieve, store: store, scripts: scripts, throttle: throttle,
                                                        logger: Logger(label: "hato.managesieve"))
        }
        return protocols
    }

    func makeListeners(tls: TLSProvider, protocols: [HatoConfig.ListenerKind: any ProtocolServer], caps: ConnectionCaps,
                       metrics: ServerMetrics = .none) -> [ListenerService] {
        let settings = config.settings
        let shared = ConnectionBudget(limit: caps.total)
        return HatoConfig.ListenerKind.allCases.compactMap { kind in
            guard let addresses = settings.listeners[kind], let server = protocols[kind] else { return nil }
            var configuration = ListenerService.Configuration(
                name: kind.rawValue, addresses: addresses.map { BindAddress(host: $0.host, port: $0.port) },
                implicitTLS: kind.implicitTLS, maxConnectionsPerIP: settings.limits.maxConnectionsPerIP)
            configuration.maxConnections = caps.perListener
            configuration.backlog = Int32(settings.limits.listenBacklog)
            configuration.maxUnsentOutput = settings.limits.maxUnsentOutput
            configuration.outputStallTimeout = settings.limits.outputStallTimeout
            configuration.metrics = metrics
            return ListenerService(configuration: configuration, protocolServer: server, tls: tls, sharedBudget: shared, logger: logger)
        }
    }

    func banner(tls: TLSSetup.Material, bound: [String: [String]], accounts: Int, delivery: Bool) -> String {
        let settings = config.settings
        var lines = ["hato \(HatoVersion.string) on \(settings.hostname)" + (settings.isDevelopment ? " (embedded development defaults)" : "")]
        lines.append("data: \(settings.dataDirectory.path)")
        lines.append("tls: \(tls.certificate.path)" + (tls.generated ? " (self-signed, generated now)" : settings.tlsCertificate == nil ? " (self-signed)" : ""))
        for kind in HatoConfig.ListenerKind.allCases {
            guard let addresses = settings.listeners[kind] else { continue }
            let name = kind.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
            if let actual = bound[kind.rawValue] {
                lines.append("\(name) listening on \(actual.joined(separator: ", "))")
            } else {
                lines.append("\(name) \(addresses.map(\.description).joined(separator: ", "))  (not served yet: this protocol is not in this build)")
            }
        }
        lines.append(DeliverySetup.bannerLine(settings, running: delivery))
        if accounts == 0 {
            let configFlag = config.file.map { " --config \($0)" } ?? ""
            lines.append("no accounts yet; add the first one with:")
            lines.append("  hato domain add example.test\(configFlag)")
            lines.append("  hato account add you@example.test --password-stdin\(configFlag)")
        }
        return lines.joined(separator: "\n")
    }
}

public enum HatoVersion {
    public static let string = "0.1.0"
}

extension SMTPConfiguration {
    /// The session's input budget, the parser caps for what it receives, the spool and the
    /// processing bound (`[limits]`).
    mutating func applyMemoryLimits(_ settings: HatoConfig, gate: MessageProcessingGate) {
        maxSessionInput = settings.limits.sessionInputBudget
        messageLimits = settings.limits.messageLimits
        spool = MessageSpoolPolicy(directory: settings.spoolDirectory.path, threshold: settings.limits.spoolThreshold)
        processingGate = gate
    }
}
