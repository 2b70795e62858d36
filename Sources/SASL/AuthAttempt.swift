import Foundation

/// One login attempt's reservation with the `AuthThrottle`, shared between the credential lookup
/// (which begins it when the account name is known, just before the credentials are read) and
/// the session (which settles it with the outcome and waits the returned delay).
///
/// An attempt reserves at most once; settling twice, or settling an attempt that never reached
/// a credential lookup, does nothing and needs no delay.
public final class AuthAttempt: @unchecked Sendable {
    public let throttle: AuthThrottle
    public let client: String
    private let lock = NSLock()
    private var reservation: AuthThrottle.Reservation?
    private var reserved = false

    public init(throttle: AuthThrottle, client: String) {
        self.throttle = throttle
        self.client = client
    }

    /// Counts the attempt on `account` as a failure in flight, or throws
    /// `SASLFailure.tooManyFailures` without letting the credentials be read.
    func reserve(account: String) throws {
        try lock.withLock {
            guard !reserved else { return }
            switch throttle.begin(client: client, account: account) {
            case .admitted(let admitted):
                reserved = true
                reservation = admitted
            case .lockedOut:
                throw SASLFailure.tooManyFailures
            }
        }
    }

    /// Ends the attempt with the exchange's final action; returns how long to hold the reply.
    /// A wrong password stays counted, a success releases its reservation and makes the address
    /// known-good for the account, anything that checked no credentials releases it.
    public func settle(_ action: SASLServerExchange.Action) -> Duration {
        let taken: AuthThrottle.Reservation? = lock.withLock {
            defer { reservation = nil }
            return reservation
        }
        guard let taken else { return .zero }
        let outcome: AuthThrottle.Outcome = switch action {
        case .failure(let failure) where failure.isFailedCredentialCheck: .failedCredentialCheck
        case .success: .success
        case .failure, .challenge: .noCheck
        }
        return throttle.settle(taken, outcome)
    }
}
