import Foundation
import Logging
import ServiceLifecycle

/// Runs a report sender while `hato serve` runs (`[dmarc] send_reports = on`, and TLS-RPT's
/// `[tls_reports] send = on` with daily periods): at start, shortly after each period ends, and
/// at least hourly, so a DNS failure that postponed a report is retried. Every run is idempotent
/// (the ledger), so waking often costs only a query.
struct DMARCReportService: Service {
    /// One run of the sender (queues what is due).
    let send: @Sendable () async throws -> Void
    /// What the log calls the reports.
    let what: String
    let period: Int
    let logger: Logger
    /// After a period ends, evaluations of messages still in their DATA phase may arrive.
    var settleDelay: TimeInterval = 300

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await send() } catch {
                    logger.error("\(what) could not be prepared", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: .milliseconds(Int(nextWake(after: Date()) * 1000)))
            }
        }
    }

    /// Seconds until the next run: the next period end plus the settle delay, at most an hour.
    func nextWake(after now: Date) -> TimeInterval {
        let seconds = now.timeIntervalSince1970
        let nextEnd = ((seconds - settleDelay) / Double(period)).rounded(.down) * Double(period) + Double(period) + settleDelay
        return max(1, min(nextEnd - seconds, 3600))
    }
}
