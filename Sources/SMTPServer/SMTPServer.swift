import Logging
import LocalDelivery
import MailCore
import MailMessage
import MailStore
import NIOCore
import Reception
import SASL
import SMTPProtocol
import ServerRuntime

/// Which listener a session serves (RFC 5321 MX vs RFC 6409 submission): port 25 takes mail
/// for local domains from anyone and relays only for authenticated clients; ports 587
/// (STARTTLS) and 465 (implicit TLS, RFC 8314) require AUTH before MAIL.
public typealias SMTPProfile = ReceptionListener

public struct SMTPConfiguration: Sendable {
    public var hostname: String
    public var profile: SMTPProfile
    public var limits: SMTPLimits
    /// Plaintext AUTH before TLS is allowed from loopback only (tests turn this off to see the
    /// non-loopback behaviour on 127.0.0.1).
    public var loopbackIsSecure: Bool
    public var sasl: SASLPolicy
    /// PBKDF2 iterations of the stand-in keys checked for unknown users: keep it equal to the
    /// count passwords are stored with (`accounts.scram_iterations`) so both take the same time.
    public var scramIterations = SCRAMCredentials.defaultIterations
    /// SPF at MAIL FROM on the MX profile; nil turns it off (e.g. no resolver).
    public var spf: SPFPolicy?
    /// Signs what authenticated users submit (DKIM, see MessageSigner); nil sends it unsigned.
    public var messageSigner: (any MessageSigner)?
    /// Stages that rewrite what authenticated users submit (S/MIME), run before DKIM signing.
    public var contentStages: [any ReceptionStage] = []
    /// DKIM, ARC and DMARC at the end of DATA on the MX profile; nil turns them off.
    public var inboundAuthentication: InboundAuthenticationPolicy?
    /// Octets of client input one session may hold at once (`limits.max_session_input`): the
    /// message being received and the input not yet decoded. Reading also stops while a command
    /// runs. Must exceed `limits.maxMessageSize` by a read's worth (64 KiB) at least.
    public var maxSessionInput = 100 * 1024 * 1024
    /// Parser caps for received messages (`limits.max_header_fields`, `max_mime_depth`, ...).
    public var messageLimits = MessageLimits.default
    /// Message content past `limits.spool_threshold` goes to `<data>/spool` (MessageSpool.swift);
    /// nil keeps each message in memory up to `limits.max_message_size`.
    public var spool: MessageSpoolPolicy?
    /// Shared by every SMTP listener of the process: the octets of messages being processed at
    /// once (`limits.processing_memory`); nil does not bound them.
    public var processingGate: MessageProcessingGate?

    public init(hostname: String, profile: SMTPProfile, limits: SMTPLimits = SMTPLimits(), loopbackIsSecure: Bool = true) {
        self.hostname = hostname
        self.profile = profile
        self.limits = limits
        self.loopbackIsSecure = loopbackIsSecure
        self.sasl = SASLPolicy(loopbackCountsAsSecure: loopbackIsSecure)
    }
}

/// SMTP plugged into `ServerRuntime`: one `SessionDriver` with an `SMTPSessionAdapter` per connection.
public struct SMTPServer: ProtocolServer {
    public let configuration: SMTPConfiguration
    public let store: any MailStore
    public let delivery: LocalDelivery
    public let throttle: any LoginThrottle
    public let logger: Logger
    /// The checks every connection, command and message goes through (docs/architecture.md).
    public let pipeline: ReceptionPipeline
    /// Every login on this listener goes through it (`SASLLogin`).
    let authenticator: SASLAuthenticator

    /// `extraStages` run after the standard ones, `beforeSigning` just before DKIM signing
    /// (`ReceptionPipeline.standard`).
    public init(configuration: SMTPConfiguration, store: any MailStore, throttle: any LoginThrottle = AuthThrottle(),
                beforeSigning: [any ReceptionStage] = [], extraStages: [any ReceptionStage] = [], sieve: SieveFilter? = nil,
                atRest: (any AtRestEncryption)? = nil, logger: Logger = Logger(label: "hato.smtp")) {
        self.configuration = configuration
        self.store = store
        self.pipeline = .standard(store: store, spf: configuration.spf, signer: configuration.messageSigner,
                                  authentication: configuration.inboundAuthentication,
                                  beforeSigning: beforeSigning + configuration.contentStages, extra: extraStages)
        self.delivery = LocalDelivery(store: store, logger: logger, sieve: sieve, atRest: atRest)
        self.throttle = throttle
        self.logger = logger
        self.authenticator = SASLAuthenticator(
            policy: configuration.sasl, throttle: throttle, lookup: store.saslCredentialLookup,
            configuration: SASLServerConfiguration(hostname: configuration.hostname, iterations: configuration.scramIterations))
    }

    public func initializeConnection(_ channel: any Channel, context: ConnectionContext) throws {
        // Timeouts are the session's own (SMTPSession+Timeouts.swift): they depend on whether it
        // waits for a command or for message content.
        try channel.pipeline.syncOperations.addHandler(
            SMTPSessionAdapter.makeDriver(server: self, connection: context, eventLoop: channel.eventLoop))
    }

    public func tooManyConnectionsMessage() -> String {
        SMTPReply(421, SMTPEnhancedStatusCode(4, 7, 0), "\(configuration.hostname) too many connections from your address").encoded()
    }

}
