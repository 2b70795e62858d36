import Foundation

/// One login attempt's reservation with the `AuthThrottle`, shared between the credential lookup
/// (which begins it when the account name is known, just before the credentials are read) and
/// the session (which settles it with the outcome and waits the returned delay).
///
/// An attempt reserves at most once; settling twice, or settling an attempt that never reached
/// a credential lookup, does nothing and needs no delay.
public final class AuthAttempt: @unchecked Sendable {
    public let throttle: any LoginThrottle
    public let client: String
    private let lock = NSLock()
    private var reservation: AuthThrottle.Reservation?
    private var reserved = false

    public init(throttle: any LoginThrottle, client: String) {
        self.throttle = throttle
        self.client = client
    }

    /// Counts the attempt on `account` as a failure in flight, or throws
    /// `SASLFailure.tooManyFailures` without letting the credentials be read
    /// (`temporaryFailure` when the throttle's shared counts cannot be reached: fail closed).
    func reserve(account: String) async throws {
        let first = lock.withLock {
            defer { reserved = true }
            return !reserved
        }
        guard first else { return }
        let admission: AuthThrottle.Admission
        do {
            admission = try await throttle.begin(client: client, account: account)
        } catch {
            throw SASLFailure.temporaryFailure
        }
        switch admission {
        case .admitted(let admitted):
            lock.withLock { reservation = admitted }
        case .lockedOut:
            throw SASLFailure.tooManyFailures
        }
    }

    /// Ends the attempt with the exchange's final action; returns how long to hold the reply.
    /// A wrong password stays counted, a success releases its reservation and makes the address
    /// known-good for the account, anything that checked no credentials releases it.
    public func settle(_ action: SASLServerExchange.Action) async -> Duration {
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
        return await throttle.settle(taken, outcome)
    }
}
