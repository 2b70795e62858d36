import Logging
import SASL

/// What a listener authenticates against: its mechanism policy, the shared brute-force throttle,
/// the account credentials and the SCRAM settings. Each protocol server makes one.
public struct SASLAuthenticator: Sendable {
    public let policy: SASLPolicy
    public let throttle: any LoginThrottle
    public let lookup: any SASLCredentialLookup
    public let configuration: SASLServerConfiguration

    public init(policy: SASLPolicy, throttle: any LoginThrottle, lookup: any SASLCredentialLookup, configuration: SASLServerConfiguration) {
        self.policy = policy
        self.throttle = throttle
        self.lookup = lookup
        self.configuration = configuration
    }
}

/// One login, the same for SMTP AUTH (RFC 4954), IMAP AUTHENTICATE and LOGIN (RFC 9051 §6.2),
/// and POP3 AUTH (RFC 5034) and USER/PASS (RFC 1939 §7): the mechanism policy and lockout checks
/// before any credential is read, the exchange over `SASLServerExchange`, the failure log line
/// (client values escaped), and the throttle's reply delay, which successes wait too so a quick
/// answer never betrays a right guess. A session runs each step as async work and only maps the
/// result to its protocol: a challenge to `334`/`+`, a refusal to its reply, success to its state.
public struct SASLLogin: Sendable {
    public enum Step: Sendable {
        /// Send this base64 text as the continuation and pass the client's next line (base64, or
        /// `*` to cancel) to `respond` on the login carried here.
        case challenge(String, SASLLogin)
        /// The credentials were right: the protocol looks the account up and enters its state.
        case authenticated(SASLIdentity)
        case refused(SASLFailure)
    }

    private var exchange: SASLServerExchange
    private let logger: Logger
    /// Where a failed credential check is counted, with the listener it came in on.
    private let metrics: ServerMetrics
    private let listener: String

    /// AUTH / AUTHENTICATE with an optional initial response (RFC 4959 SASL-IR, RFC 4954 §4).
    public static func begin(mechanism: some StringProtocol, initialResponse: String?, tlsActive: Bool,
                             connection: ConnectionContext, authenticator: SASLAuthenticator, logger: Logger) async -> Step {
        switch await SASLServerExchange.begin(
            mechanism: mechanism, policy: authenticator.policy, tlsActive: tlsActive, loopback: connection.isLoopback,
            throttle: authenticator.throttle, client: connection.remoteIP, lookup: authenticator.lookup,
            configuration: authenticator.configuration, channelBinding: connection.channelBinding) {
        case .failure(let failure):
            return .refused(failure)
        case .success(var exchange):
            let action = await exchange.start(initialResponse: initialResponse)
            return await SASLLogin(exchange: exchange, logger: logger, metrics: connection.metrics, listener: connection.listener).finish(action)
        }
    }

    /// A user name and password outside SASL (IMAP LOGIN, POP3 USER/PASS): the same PLAIN check,
    /// dummy work for unknown names, the same throttle. The caller has already refused it when
    /// plaintext is not allowed on this connection.
    public static func password(username: String, password: String, connection: ConnectionContext,
                                authenticator: SASLAuthenticator, logger: Logger) async -> Step {
        let throttle = authenticator.throttle, client = connection.remoteIP
        do {
            if case .lockedOut = try await throttle.check(client: client, account: username) { return .refused(.tooManyFailures) }
        } catch {
            return .refused(.temporaryFailure)  // the shared counts are unreachable: fail closed (LoginThrottle)
        }
        let attempt = AuthAttempt(throttle: throttle, client: client)
        let action = await SASLPasswordLogin.verify(
            username: username, password: password, lookup: authenticator.lookup,
            configuration: authenticator.configuration, attempt: attempt)
        return await settle(action, username: username, attempt: attempt, logger: logger,
                            metrics: connection.metrics, listener: connection.listener)
    }

    /// The client's line after a challenge.
    public func respond(_ line: String) async -> Step {
        var exchange = self.exchange
        let action = await exchange.receive(line: line)
        return await SASLLogin(exchange: exchange, logger: logger, metrics: metrics, listener: listener).finish(action)
    }

    private func finish(_ action: SASLServerExchange.Action) async -> Step {
        if case .challenge(let text) = action { return .challenge(text, self) }
        return await Self.settle(action, username: exchange.attemptedUsername, attempt: exchange.attempt, logger: logger,
                                 metrics: metrics, listener: listener)
    }

    /// Settles the attempt with the throttle and waits the delay it asks for before the outcome.
    private static func settle(_ action: SASLServerExchange.Action, username: String?, attempt: AuthAttempt?,
                               logger: Logger, metrics: ServerMetrics, listener: String) async -> Step {
        if case .failure(let failure) = action, failure.isFailedCredentialCheck {
            logger.notice("authentication failed", metadata: ["user": "\(LogSafe.escaped(username))"])
            metrics.authenticationFailed(listener: listener)
        }
        let delay = await attempt?.settle(action) ?? .zero
        if delay > .zero { try? await Task.sleep(for: delay) }
        switch action {
        case .success(let identity, _): return .authenticated(identity)
        case .failure(let failure): return .refused(failure)
        case .challenge: return .refused(.invalidCredentials)  // handled by `finish`; never reached
        }
    }
}
