import Foundation

/// When to ask the CA next, from what is installed and what happened before (pure, so the
/// schedule is tested without a CA or a clock).
public enum ACMERenewalPlan: Equatable, Sendable {
    /// Ask now, and why (for the log).
    case obtain(reason: String)
    /// Nothing to do before this date.
    case wait(until: Date)

    /// - no certificate, or one for other names than configured: obtain now;
    /// - two thirds of its lifetime gone: renew now;
    /// - otherwise: wait for that date.
    /// After a failure for the same names, not before the backoff's `nextAttempt`.
    public static func decide(installed: InstalledCertificate?, configured: [String], state: ACMEState, now: Date) -> ACMERenewalPlan {
        let due: ACMERenewalPlan
        if let installed {
            if Set(installed.names) != Set(configured) {
                due = .obtain(reason: "the names changed (certificate: \(installed.names.sorted().joined(separator: ",")))")
            } else if now >= installed.renewalDate {
                due = .obtain(reason: "two thirds of its lifetime have passed (expires \(installed.notAfter))")
            } else {
                due = .wait(until: installed.renewalDate)
            }
        } else {
            due = .obtain(reason: "there is no certificate yet")
        }
        guard case .obtain = due, state.names == configured, state.failures > 0, let next = state.nextAttempt, next > now else { return due }
        return .wait(until: next)
    }

    /// The wait after `failures` failed attempts in a row: `initial` doubling, at most `maximum`.
    public static func backoff(failures: Int, initial: Duration, maximum: Duration) -> Duration {
        var delay = initial
        for _ in 1..<max(1, failures) where delay < maximum { delay *= 2 }
        return min(delay, maximum)
    }
}
