import Foundation
import Logging
import MailCore
import MailStore
import SASL
import NIOCore
import POP3Protocol
import ServerRuntime
import Synchronization

/// Settings for the POP3 listeners (`pop3` with STLS, `pop3s` with implicit TLS).
public struct POP3Configuration: Sendable {
    public var hostname: String
    public var maxLineLength: Int
    /// RFC 1939 §3: at least 10 minutes of inactivity before the server may close the session.
    /// Counted from the last complete command line: bytes of an unfinished one do not extend it.
    public var idleTimeout: Duration
    /// A session must have logged in this long after connecting, whatever it sends
    /// (`limits.pop3_login_timeout`).
    public var loginTimeout: Duration = .seconds(120)
    /// Octets of client input one session may hold at once (`limits.max_session_input`): lines
    /// received and not yet run. Reading also stops while a command runs.
    public var maxSessionInput = 1024 * 1024
    /// Plaintext USER/PASS before TLS is allowed from loopback only; tests may turn this off to
    /// see the non-loopback behaviour on 127.0.0.1.
    public var loopbackIsSecure: Bool
    /// Which SASL mechanisms AUTH offers, and when (nothing that sends a password before TLS).
    public var sasl: SASLPolicy

    /// PBKDF2 iterations of the stand-in keys checked for unknown users: keep it equal to the
    /// count passwords are stored with (`accounts.scram_iterations`) so both take the same time.
    public var scramIterations = SCRAMCredentials.defaultIterations
    public init(hostname: String, maxLineLength: Int = 4096, idleTimeout: Duration = .seconds(600), loopbackIsSecure: Bool = true) {
        self.hostname = hostname
        self.maxLineLength = maxLineLength
        self.idleTimeout = max(idleTimeout, POP3Limits.minimumIdleTimeout)
        self.loopbackIsSecure = loopbackIsSecure
        self.sasl = SASLPolicy(loopbackCountsAsSecure: loopbackIsSecure)
    }
}

/// The POP3 protocol plugged into `ServerRuntime` (RFC 1939, 2449, 2595, 5034).
public struct POP3Server: ProtocolServer {
    public let configuration: POP3Configuration
    public let store: any MailStore
    public let logger: Logger
    public let throttle: any LoginThrottle
    let locks: MaildropLocks
    /// Every login on this listener goes through it (`SASLLogin`).
    let authenticator: SASLAuthenticator

    public init(configuration: POP3Configuration, store: any MailStore, throttle: any LoginThrottle = AuthThrottle(),
                logger: Logger = Logger(label: "hato.pop3")) {
        self.configuration = configuration
        self.store = store
        self.throttle = throttle
        self.logger = logger
        self.locks = MaildropLocks(store: store as? any MaildropLockStore)
        self.authenticator = SASLAuthenticator(
            policy: configuration.sasl, throttle: throttle, lookup: store.saslCredentialLookup,
            configuration: SASLServerConfiguration(hostname: configuration.hostname, iterations: configuration.scramIterations))
    }


    public func initializeConnection(_ channel: any Channel, context: ConnectionContext) throws {
        try channel.pipeline.syncOperations.addHandler(POP3SessionAdapter.makeDriver(server: self, connection: context))
    }

    public func tooManyConnectionsMessage() -> String { "-ERR [SYS/TEMP] too many connections from your address\r\n" }

    /// RFC 3206 §4: SYS/TEMP, a temporary problem on the server's side.
    public func serverBusyMessage() -> String { "-ERR [SYS/TEMP] server busy, try again later\r\n" }
}

/// RFC 1939 §8: the maildrop is locked for the length of a session; a second session gets
/// `-ERR [IN-USE]` (RFC 2449 §8.1.1, RFC 3206 §3). IMAP sessions are not locked out: the store
/// keeps them safe. A lock is held in the process and, through `MaildropLockStore`, in the store:
/// on the shared PostgreSQL store that is a lease every node sees (docs/scaling.md), renewed
/// while the session lasts, so a node that dies frees its maildrops when `lease` runs out.
final class MaildropLocks: Sendable {
    /// How long a login waits for a lock another session holds before `-ERR [IN-USE]`.
    static let grace: Duration = .seconds(2)
    /// The store lease; renewed every third of it.
    static let lease: Duration = .seconds(60)
    private let store: (any MaildropLockStore)?
    private let held = Mutex([AccountID: (owner: String, renewal: Task<Void, Never>?)]())

    init(store: (any MaildropLockStore)? = nil) {
        self.store = store
    }

    func acquire(_ account: AccountID) async -> Bool {
        let owner = UUID().uuidString
        guard held.withLock({ locks -> Bool in
            guard locks[account] == nil else { return false }
            locks[account] = (owner, nil)
            return true
        }) else { return false }
        guard let store else { return true }
        let taken = (try? await store.acquireMaildropLock(account, owner: owner, lease: Self.lease)) ?? false
        guard taken else {
            held.withLock { _ = $0.removeValue(forKey: account) }
            return false
        }
        let renewal = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.lease / 3)
                guard !Task.isCancelled else { return }
                _ = try? await store.renewMaildropLock(account, owner: owner, lease: Self.lease)
            }
        }
        let kept = held.withLock { locks -> Bool in
            guard locks[account]?.owner == owner else { return false }
            locks[account] = (owner, renewal)
            return true
        }
        if !kept { renewal.cancel() }
        return true
    }

    func release(_ account: AccountID) {
        guard let entry = held.withLock({ $0.removeValue(forKey: account) }) else { return }
        entry.renewal?.cancel()
        guard let store else { return }
        let owner = entry.owner
        Task { try? await store.releaseMaildropLock(account, owner: owner) }
    }

    /// `acquire`, retried for up to `grace` (polling, off the event loop): a client that drops
    /// its connection and reconnects at once finds its old session's lock gone as soon as the
    /// server has read the close, instead of an `[IN-USE]` that depends on which came first.
    func acquireWaiting(_ account: AccountID, grace: Duration = MaildropLocks.grace) async -> Bool {
        let deadline = ContinuousClock.now + grace
        while true {
            if await acquire(account) { return true }
            guard ContinuousClock.now < deadline, !Task.isCancelled else { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}
