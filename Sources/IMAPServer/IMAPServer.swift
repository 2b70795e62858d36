import IMAPProtocol
import Logging
import MailMessage
import MailStore
import NIOCore
import SASL
import ServerRuntime
import Synchronization

/// Settings for the IMAP listeners (`imap` with STARTTLS, `imaps` with implicit TLS).
public struct IMAPConfiguration: Sendable {
    public var hostname: String
    /// Line, literal, nesting and list bounds of the grammar; `limits.maxLiteralSize` is the
    /// largest message APPEND takes (advertised as APPENDLIMIT, RFC 7889).
    public var limits: IMAPLimits
    /// Largest literal in a command other than APPEND (a LOGIN password, a SEARCH string).
    public var maxOtherLiteralSize: Int
    /// RFC 9051 §5.4: the autologout timer of an authenticated session is at least 30 minutes.
    public var idleTimeout: Duration
    /// Time a client has to log in after connecting, however busy it keeps the connection: a
    /// deadline from the greeting, not an idle timer (one byte a second would otherwise hold a
    /// pre-login connection open for ever).
    public var loginTimeout: Duration
    /// Time one command line, or one literal, may take to arrive once started (a slow-drip
    /// client restarts no idle timer with each byte). Large literals get more time, at
    /// `minimumLiteralRate` octets per second.
    public var commandTimeout: Duration
    /// Octets per second a literal must at least arrive at once it is longer than
    /// `commandTimeout` × this rate.
    public var minimumLiteralRate: Int
    /// Mailboxes per account; CREATE and RENAME beyond it get `NO [LIMIT]` (RFC 9051 §7.1).
    public var maxMailboxes: Int
    /// Concurrent authenticated sessions per account (a misbehaving client opening hundreds).
    public var maxSessionsPerUser: Int
    /// LOGIN and plaintext SASL before TLS are allowed from loopback only; tests may turn this
    /// off to see the non-loopback behaviour on 127.0.0.1.
    public var loopbackIsSecure: Bool
    /// Which SASL mechanisms AUTHENTICATE offers, and when (nothing that sends a password before TLS).
    public var sasl: SASLPolicy
    /// PBKDF2 iterations for the stand-in keys of unknown users (same work as a real check).
    public var scramIterations = SCRAMCredentials.defaultIterations
    /// Parser caps for messages read here (`limits.max_header_fields`, `max_mime_depth`,
    /// `max_mime_parts`): the same as at delivery, so FETCH of a part agrees with BODYSTRUCTURE.
    public var messageLimits = MessageLimits.default
    /// THREAD=REFERENCES uses at most this many of a message's references, the last (closest)
    /// ones (`limits.imap_thread_max_references`): linking is linear in them, and RFC 5256 §3
    /// sets no bound; a chain longer than this is threaded from its most recent ancestors.
    public var threadMaxReferences = 100
    /// RFC 4469 CATENATE: URL parts one message may name (`limits.imap_catenate_max_urls`). Each
    /// is a store read of a whole message; the joined message is bounded by `limits.maxLiteralSize`.
    public var maxCatenateURLs = 100
    /// RFC 5464 METADATA: the largest value one entry may have (`limits.imap_metadata_max_size`;
    /// §4.1: at least 1024), and how many entries one account may have on its mailboxes and the
    /// server together (`limits.imap_metadata_max_entries`; §4.1: at least 10).
    public var metadataMaxSize = 16 * 1024
    public var metadataMaxEntries = 1_000
    /// RFC 4467 URLAUTH: URLs one GENURLAUTH or URLFETCH may name (`limits.imap_urlauth_max_urls`)
    /// and the longest URL taken (`limits.imap_urlauth_max_url_length`). One URLFETCH's data is
    /// bounded by `limits.maxLiteralSize` in all, like a CATENATE result.
    public var urlAuthMaxURLs = 100
    public var urlAuthMaxURLLength = 4096
    /// RFC 5267 §4.3.1: searches one session keeps live with RETURN (UPDATE)
    /// (`limits.imap_context_updates`; §4.3.1 asks for at least one). One more gets NOUPDATE.
    public var maxUpdateContexts = 10
    /// RFC 5465 NOTIFY: mailboxes besides the selected one whose message events one session may
    /// watch (`limits.imap_notify_mailboxes`), and notifications it may hold for a client that
    /// does not read (`limits.imap_notify_queue`); past either, NOTIFICATIONOVERFLOW (§3.1, §5.8).
    public var notifyMaxMailboxes = 200
    public var notifyMaxQueued = 1_000
    /// Messages whose unchanging facts (date, size, body reference, summary) the server keeps
    /// for SEARCH, SORT and FETCH, in each of two generations (`limits.imap_message_cache`; 0: none).
    public var messageCacheEntries = 4_096

    public init(hostname: String, limits: IMAPLimits = IMAPLimits(), maxOtherLiteralSize: Int = 64 * 1024,
                idleTimeout: Duration = .seconds(30 * 60), loginTimeout: Duration = .seconds(60),
                maxSessionsPerUser: Int = 50, loopbackIsSecure: Bool = true, maxMailboxes: Int = 1_000,
                commandTimeout: Duration = .seconds(60), minimumLiteralRate: Int = 16 * 1_024) {
        self.hostname = hostname
        self.limits = limits
        self.maxOtherLiteralSize = maxOtherLiteralSize
        self.idleTimeout = max(idleTimeout, IMAPLimits.minimumAutologoutTimeout)
        self.loginTimeout = loginTimeout
        self.commandTimeout = commandTimeout
        self.minimumLiteralRate = max(1, minimumLiteralRate)
        self.maxMailboxes = max(1, maxMailboxes)
        self.maxSessionsPerUser = max(1, maxSessionsPerUser)
        self.loopbackIsSecure = loopbackIsSecure
        self.sasl = SASLPolicy(loopbackCountsAsSecure: loopbackIsSecure)
    }
}

/// The IMAP protocol plugged into `ServerRuntime` (RFC 9051 with RFC 3501 compatibility; the
/// extensions are listed in docs/imap.md).
public struct IMAPServer: ProtocolServer {
    public let configuration: IMAPConfiguration
    public let store: any MailStore
    public let logger: Logger
    public let throttle: any LoginThrottle
    let sessions = SessionCounter()
    /// Every login on this listener goes through it (`SASLLogin`).
    let authenticator: SASLAuthenticator
    /// Shared by the sessions of this server, which all use `store`.
    let facts: MessageFactsCache

    public init(configuration: IMAPConfiguration, store: any MailStore, throttle: any LoginThrottle = AuthThrottle(),
                logger: Logger = Logger(label: "hato.imap")) {
        self.configuration = configuration
        self.store = store
        self.throttle = throttle
        self.logger = logger
        self.facts = MessageFactsCache(limit: configuration.messageCacheEntries)
        self.authenticator = SASLAuthenticator(
            policy: configuration.sasl, throttle: throttle, lookup: store.saslCredentialLookup,
            configuration: SASLServerConfiguration(hostname: configuration.hostname, iterations: configuration.scramIterations))
    }

    public func initializeConnection(_ channel: any Channel, context: ConnectionContext) throws {
        try channel.pipeline.syncOperations.addHandler(IMAPSessionAdapter.makeDriver(server: self, connection: context))
    }

    public func tooManyConnectionsMessage() -> String { "* BYE [UNAVAILABLE] too many connections from your address\r\n" }

    /// RFC 9051 §7.1.5 BYE; RFC 5530 §3 UNAVAILABLE: a temporary failure of the server.
    public func serverBusyMessage() -> String { "* BYE [UNAVAILABLE] server busy, try again later\r\n" }

    /// Authenticated sessions open right now, all accounts together.
    public var openSessions: Int { sessions.total }
}

/// Authenticated sessions per account, for `maxSessionsPerUser`.
final class SessionCounter: Sendable {
    private let counts = Mutex([AccountID: Int]())

    func acquire(_ account: AccountID, limit: Int) -> Bool {
        counts.withLock { counts in
            guard counts[account, default: 0] < limit else { return false }
            counts[account, default: 0] += 1
            return true
        }
    }

    func release(_ account: AccountID) {
        counts.withLock { counts in
            let left = counts[account, default: 1] - 1
            counts[account] = left > 0 ? left : nil
        }
    }

    var total: Int { counts.withLock { $0.values.reduce(0, +) } }
}
