import LocalDelivery
import Reception
import ServerRuntime

/// What SMTP reception counts at the end of DATA/BDAT (docs/metrics.md), on the connection's
/// `ServerMetrics`.
enum SMTPMetrics {
    /// Counter, labels `listener`, `result` (`accepted`, `rejected`, `deferred`): messages whose
    /// content arrived, by what the reception stages decided.
    static let received = "hato_messages_received_total"
    /// Counter, label `destination` (`local`): copies stored in a local mailbox, one per account.
    static let delivered = "hato_messages_delivered_total"
    /// Counter: recipients handed to the outbound queue.
    static let queued = "hato_messages_queued_total"
    /// Counter: recipients whose local delivery failed (e.g. over quota).
    static let localFailures = "hato_local_delivery_failures_total"
    /// Counters, label `result`: RFC 8601 result names of inbound SPF, DKIM (per signature,
    /// `none` without one) and DMARC checks.
    static let spf = "hato_spf_results_total"
    static let dkim = "hato_dkim_results_total"
    static let dmarc = "hato_dmarc_results_total"

    static func recordReceived(listener: String, result: String, metrics: ServerMetrics) {
        metrics.increment(received, [("listener", listener), ("result", result)])
    }

    /// The inbound verdict's results; without one (no DKIM/DMARC on this listener), SPF alone
    /// when it was checked at MAIL FROM.
    static func recordAuthentication(_ results: ReceptionAuthenticationResults?, spf outcome: String?, metrics: ServerMetrics) {
        if let results {
            metrics.increment(spf, [("result", results.spf)])
            for result in results.dkim.isEmpty ? ["none"] : results.dkim { metrics.increment(dkim, [("result", result)]) }
            metrics.increment(dmarc, [("result", results.dmarc)])
        } else if let outcome {
            metrics.increment(spf, [("result", outcome)])
        }
    }

    static func recordDeliveries(_ results: [RecipientDelivery], metrics: ServerMetrics) {
        var local = 0, queuedCount = 0, failed = 0
        for result in results {
            switch result {
            case .delivered(let accounts): local += accounts.count
            case .queued(_, let accounts): local += accounts.count; queuedCount += 1
            case .failed: failed += 1
            }
        }
        metrics.increment(delivered, [("destination", "local")], by: local)
        metrics.increment(queued, [], by: queuedCount)
        metrics.increment(localFailures, [], by: failed)
    }
}
