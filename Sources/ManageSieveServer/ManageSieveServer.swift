import Logging
import MailStore
import ManageSieveProtocol
import NIOCore
import SASL
import ServerRuntime
import SieveProtocol

/// Settings for the `managesieve` listener (RFC 5804; docs/sieve.md "ManageSieve").
public struct ManageSieveConfiguration: Sendable {
    public var hostname: String
    public var maxLineLength: Int
    /// Scripts are compiled under these (`[sieve]`); `maxScriptSize` is also the largest literal
    /// a logged-in client may send (`sieve.max_script_size`).
    public var limits: SieveLimits
    /// Scripts per account; PUTSCRIPT of another gets NO (QUOTA/MAXSCRIPTS) (`sieve.managesieve_max_scripts`).
    public var maxScripts: Int
    /// Not logged in this long after connecting: BYE (`limits.imap_login_timeout`).
    public var loginTimeout: Duration
    /// No command for this long: BYE (`limits.imap_idle_timeout`).
    public var idleTimeout: Duration
    /// Plaintext SASL before TLS is allowed from loopback only (as IMAP); tests may turn it off.
    public var loopbackIsSecure: Bool
    public var sasl: SASLPolicy
    public var scramIterations = SCRAMCredentials.defaultIterations
    /// Where `include :global` scripts are (`sieve.global_dir`, RFC 6609); nil: none.
    public var globalDirectory: String?

    public init(hostname: String, maxLineLength: Int = 4096, limits: SieveLimits = SieveLimits(), maxScripts: Int = 32,
                loginTimeout: Duration = .seconds(60), idleTimeout: Duration = .seconds(1800), loopbackIsSecure: Bool = true) {
        self.hostname = hostname
        self.maxLineLength = maxLineLength
        self.limits = limits
        self.maxScripts = maxScripts
        self.loginTimeout = loginTimeout
        self.idleTimeout = idleTimeout
        self.loopbackIsSecure = loopbackIsSecure
        self.sasl = SASLPolicy(loopbackCountsAsSecure: loopbackIsSecure)
    }

    /// Octets of client input one session holds at once: one command of the largest kind
    /// (PUTSCRIPT with a script at the limit) and a few lines.
    var maxSessionInput: Int { limits.maxScriptSize + 4 * maxLineLength + 4096 }
}

/// ManageSieve (RFC 5804) plugged into `ServerRuntime`: clients such as Thunderbird's sieve
/// add-on, Roundcube's managesieve plugin and sieve-connect edit the same scripts as `hato sieve`.
public struct ManageSieveServer: ProtocolServer {
    public let configuration: ManageSieveConfiguration
    public let store: any MailStore
    public let scripts: any SieveStore
    public let throttle: any LoginThrottle
    public let logger: Logger
    let authenticator: SASLAuthenticator

    public init(configuration: ManageSieveConfiguration, store: any MailStore, scripts: any SieveStore,
                throttle: any LoginThrottle = AuthThrottle(), logger: Logger = Logger(label: "hato.managesieve")) {
        self.configuration = configuration
        self.store = store
        self.scripts = scripts
        self.throttle = throttle
        self.logger = logger
        self.authenticator = SASLAuthenticator(
            policy: configuration.sasl, throttle: throttle, lookup: store.saslCredentialLookup,
            configuration: SASLServerConfiguration(hostname: configuration.hostname, iterations: configuration.scramIterations))
    }

    public func initializeConnection(_ channel: any Channel, context: ConnectionContext) throws {
        try channel.pipeline.syncOperations.addHandler(ManageSieveSessionAdapter.makeDriver(server: self, connection: context))
    }

    /// RFC 5804 §1.3: BYE with TRYLATER.
    public func tooManyConnectionsMessage() -> String { "BYE (TRYLATER) \"Too many connections from your address\"\r\n" }

    public func serverBusyMessage() -> String { "BYE (TRYLATER) \"Server busy, try again later\"\r\n" }
}
