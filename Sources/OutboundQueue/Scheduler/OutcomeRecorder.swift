import CoreMetrics
import Foundation
import Logging
import MailCore
import MailStore

/// Turns attempt results into queue outcomes, sends the DSNs they call for, then records them.
///
/// Order matters for "never lost": a failure's DSN is stored before the failure is recorded (a
/// crash in between sends the DSN twice, never zero times), and every outcome is recorded before
/// the recipient leaves the scheduler's in-flight set.
struct OutcomeRecorder: Sendable {
    let store: any MailStore
    let bounces: BounceSender
    let configuration: OutboundConfiguration
    let logger: Logger
    let now: @Sendable () -> Date

    /// `tls`: the TLS policy of the connection and why it applied, kept with the reply
    /// (`hato queue show`, docs/transport-security.md).
    func settle(_ item: DeliveryBatch.Item, _ results: [AttemptResult], tls: String? = nil) async {
        let message = item.message
        func place(_ remote: String) -> String { tls.map { "\(remote); TLS: \($0)" } ?? remote }
        let time = now()
        var outcomes: [(EmailAddress, DeliveryOutcome)] = []
        var failures: [RecipientReport] = [], delays: [RecipientReport] = [], relayed: [RecipientReport] = []
        for (recipient, result) in zip(item.recipients, results) {
            switch result {
            case .delivered(let reply, let remote, let peerSupportsDSN):
                outcomes.append((recipient.address, .delivered(reply: "\(reply) (\(place(remote)))")))
                if !peerSupportsDSN && recipient.dsn.wants(.success) {
                    // RFC 3461 §5.2.2: relayed to an MTA that cannot carry the request on.
                    relayed.append(RecipientReport(recipient: recipient, action: .relayed, status: RecipientReport.status(of: reply),
                                                   remoteMTA: remote, diagnostic: reply.description, lastAttempt: time))
                }
                logger.info("delivered", metadata: ["queue-id": "\(message.id)", "to": "\(recipient.address)", "relay": "\(remote)", "reply": "\(reply)"])
            case .transient(let reply, let remote):
                let stored = remote.map { "\(reply) (\(place($0)))" } ?? reply.description
                if let next = configuration.retry.nextAttempt(afterAttempt: recipient.attempts + 1, at: time, queuedAt: message.createdAt) {
                    outcomes.append((recipient.address, .deferred(reply: stored, nextAttempt: next)))
                    logger.notice("deferred", metadata: ["queue-id": "\(message.id)", "to": "\(recipient.address)", "reply": "\(stored)", "next": "\(next)"])
                    if delayWarningDue(recipient, message: message, at: time) {
                        delays.append(RecipientReport(recipient: recipient, action: .delayed, status: RecipientReport.status(of: reply),
                                                      remoteMTA: remote, diagnostic: reply.description, lastAttempt: time))
                    }
                } else {
                    // RFC 3463 X.4.7: delivery time expired; the last reply says why.
                    outcomes.append((recipient.address, .failed(reply: "\(stored); gave up after \(recipient.attempts + 1) attempts")))
                    failures.append(RecipientReport(recipient: recipient, action: .failed, status: "4.4.7", remoteMTA: remote,
                                                    diagnostic: reply.description, lastAttempt: time))
                }
            case .permanent(let reply, let remote):
                outcomes.append((recipient.address, .failed(reply: remote.map { "\(reply) (\(place($0)))" } ?? reply.description)))
                failures.append(RecipientReport(recipient: recipient, action: .failed, status: RecipientReport.status(of: reply),
                                                remoteMTA: remote, diagnostic: reply.description, lastAttempt: time))
            }
        }
        if let sender = message.mailFrom {
            let failed = failures.filter { $0.recipient.dsn.wants(.failure) }
            if !failed.isEmpty {
                do {
                    try await bounce(failed, message: message, to: sender, at: time)
                } catch {
                    // The DSN could not be stored: keep the recipients queued so nothing is lost.
                    logger.error("could not send a bounce; keeping the recipients queued", metadata: ["queue-id": "\(message.id)", "error": "\(error)"])
                    let retry = time.addingTimeInterval(configuration.retry.initialInterval.timeInterval)
                    for report in failed {
                        if let index = outcomes.firstIndex(where: { $0.0 == report.recipient.address }) {
                            outcomes[index].1 = .deferred(reply: "\(report.diagnostic); the bounce could not be stored: \(error)", nextAttempt: retry)
                        }
                    }
                }
            }
            if !relayed.isEmpty {
                do {
                    let dsn = DeliveryStatusNotification(hostname: configuration.hostname, message: message, reports: relayed, now: time)
                    try await bounces.send(dsn.build(original: try await store.readBody(message.body)), to: sender, smtpUTF8: message.smtpUTF8,
                                     requireTLS: message.tlsRequirement == .required)
                } catch {
                    // The message itself was delivered; only the courtesy report is lost.
                    logger.warning("could not send a relayed notification", metadata: ["queue-id": "\(message.id)", "error": "\(error)"])
                }
            }
            let delayed = delays.filter { $0.recipient.dsn.wants(.delay) }
            if !delayed.isEmpty {
                let until = message.createdAt.addingTimeInterval(configuration.retry.maxQueueTime.timeInterval)
                do {
                    let dsn = DeliveryStatusNotification(hostname: configuration.hostname, message: message, reports: delayed, now: time, willRetryUntil: until)
                    try await bounces.send(dsn.build(original: try await store.readBody(message.body)), to: sender, smtpUTF8: message.smtpUTF8,
                                     requireTLS: message.tlsRequirement == .required)
                } catch {
                    logger.warning("could not send a delay notification", metadata: ["queue-id": "\(message.id)", "error": "\(error)"])
                }
            }
        } else if !failures.isEmpty {
            logger.notice("not bouncing a message with the null sender", metadata: ["queue-id": "\(message.id)"])
        }
        for (address, outcome) in outcomes { await record(outcome, message: message.id, recipient: address) }
        count(outcomes.map(\.1))
    }

    /// One count per recipient outcome: delivered to a remote MTA, failed for good (the sender
    /// is told by a DSN unless the sender was null), or deferred to a later attempt.
    func count(_ outcomes: [DeliveryOutcome]) {
        for outcome in outcomes {
            switch outcome {
            case .delivered:
                Counter(label: "hato_messages_delivered_total", dimensions: [("destination", "remote")], factory: configuration.metrics).increment()
            case .failed:
                Counter(label: "hato_messages_bounced_total", dimensions: [], factory: configuration.metrics).increment()
            case .deferred:
                Counter(label: "hato_delivery_deferred_total", dimensions: [], factory: configuration.metrics).increment()
            }
        }
    }

    func bounce(_ reports: [RecipientReport], message: QueuedMessage, to sender: EmailAddress, at time: Date) async throws {
        let original = try await store.readBody(message.body)
        let dsn = DeliveryStatusNotification(hostname: configuration.hostname, message: message, reports: reports, now: time)
        try await bounces.send(dsn.build(original: original), to: sender, smtpUTF8: message.smtpUTF8,
                                     requireTLS: message.tlsRequirement == .required)
    }

    /// Records even while the task is being cancelled (shutdown after the remote's 250 must still
    /// note the delivery), and retries a busy store a few times before giving up.
    func record(_ outcome: DeliveryOutcome, message: QueueMessageID, recipient: EmailAddress) async {
        let store = self.store, logger = self.logger
        await Task {
            for attempt in 1...5 {
                do {
                    try await store.recordOutcome(outcome, message: message, recipient: recipient)
                    return
                } catch MailStoreError.queueMessageNotFound {
                    // Deleted with `hato queue delete` while the attempt ran.
                    return
                } catch {
                    logger.error("could not record a delivery outcome", metadata: ["queue-id": "\(message)", "to": "\(recipient)", "attempt": "\(attempt)", "error": "\(error)"])
                    try? await Task.sleep(for: .milliseconds(200 * attempt))
                }
            }
        }.value
    }

    /// One delay warning per recipient: due on the first deferral after `delay_warning` has passed
    /// since queueing. The previous attempt's time follows from the schedule that set this one.
    func delayWarningDue(_ recipient: QueuedRecipient, message: QueuedMessage, at time: Date) -> Bool {
        guard let warning = configuration.delayWarning?.timeInterval else { return false }
        guard time.timeIntervalSince(message.createdAt) >= warning else { return false }
        guard recipient.attempts > 0 else { return true }
        let previous = recipient.nextAttempt.addingTimeInterval(-configuration.retry.interval(afterAttempt: recipient.attempts).timeInterval)
        return previous.timeIntervalSince(message.createdAt) < warning
    }
}
