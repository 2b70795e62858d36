/// The brute-force limiter as the login code sees it (docs/security.md "Login throttling",
/// docs/scaling.md "Login throttle and rate limits across nodes"): `AuthThrottle` keeps the
/// counts in the process (one node), a shared store keeps them for every node of a cluster with
/// the same rules. Servers only ever hold `any LoginThrottle`.
///
/// The methods throw when the counts cannot be read or written (the shared database is
/// unreachable): the login is then refused as a temporary failure without reading any
/// credential (fail closed; `SASLFailure.temporaryFailure`, SMTP 454 4.7.0, IMAP NO [UNAVAILABLE]).
public protocol LoginThrottle: AnyObject, Sendable {
    var configuration: AuthThrottle.Configuration { get }
    /// Whether an attempt would be admitted now, without counting one.
    func check(client: String, account: String?) async throws -> AuthThrottle.Decision
    /// Starts an attempt, counted as a failure at once, or refuses it (see `AuthThrottle.begin`).
    func begin(client: String, account: String) async throws -> AuthThrottle.Admission
    /// Ends an attempt; returns how long to hold the reply. Never throws: a reservation that
    /// cannot be settled stays counted as a failure until the counts fade.
    func settle(_ reservation: AuthThrottle.Reservation, _ outcome: AuthThrottle.Outcome) async -> Duration
}

extension AuthThrottle: LoginThrottle {}

extension AuthThrottle.Configuration {
    /// How long to hold the reply to an attempt that is the `failures`-th counted on its key:
    /// nothing below `delayAfterFailures`, then `initialDelay` doubling per failure, at most
    /// `maximumDelay`.
    public func delay(forFailures failures: Int) -> Duration {
        guard failures >= delayAfterFailures else { return .zero }
        let doublings = min(failures - delayAfterFailures, 30)
        return min(initialDelay * (1 << doublings), maximumDelay)
    }
}

extension AuthThrottle.Key {
    /// The key as one string, for stores that keep the counts in a table: `c:` and the address,
    /// `a:` and the lowercased account name.
    public var storageKey: String {
        switch self {
        case .client(let client): "c:" + client
        case .account(let account): "a:" + account
        }
    }

    public init?(storageKey: String) {
        if storageKey.hasPrefix("c:") {
            self = .client(String(storageKey.dropFirst(2)))
        } else if storageKey.hasPrefix("a:") {
            self = .account(String(storageKey.dropFirst(2)))
        } else {
            return nil
        }
    }
}
