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
    /// After a failure for the same names, not before the backoff's `nextAttempt`; after a
    /// success, a renewal (same names) not before `minimumInterval` has passed, so a CA issuing
    /// very short-lived certificates (or a wrong clock) cannot make Hato ask in a loop.
    public static func decide(installed: InstalledCertificate?, configured: [String], state: ACMEState, now: Date,
                              minimumInterval: Duration = .zero) -> ACMERenewalPlan {
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
        guard case .obtain = due, state.names == configured else { return due }
        if state.failures > 0, let next = state.nextAttempt, next > now { return .wait(until: next) }
        if installed != nil, let issued = state.lastIssued {
            let earliest = issued.addingTimeInterval(Double(minimumInterval.components.seconds))
            if earliest > now { return .wait(until: earliest) }
        }
        return due
    }

    /// The wait after `failures` failed attempts in a row: `initial` doubling, at most `maximum`.
    public static func backoff(failures: Int, initial: Duration, maximum: Duration) -> Duration {
        var delay = initial
        for _ in 1..<max(1, failures) where delay < maximum { delay *= 2 }
        return min(delay, maximum)
    }
}
