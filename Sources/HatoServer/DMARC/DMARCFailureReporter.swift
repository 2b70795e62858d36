// Sending RFC 9991 failure reports, off by default (`dmarc.failure_reports`, RFC 9991 §7: they
// can expose private mail). Per reported domain at most `dmarc.failure_report_limit` reports an
// hour (RFC 9991 §2 and §8.1: a forger could otherwise turn us against the domain owner); the
// rest are dropped and counted in the log. Each mailto: ruf= destination outside the policy
// domain must consent in the DNS as for aggregate reports (RFC 9991 §5, RFC 9990 §4). The report
// is DKIM-signed with the reports address's domain keys (aligned, RFC 9991 §5.1) and queued.

import DMARCReport
import DNSMessage
import Foundation
import Logging
import MailAuth
import MailCore
import MailStore
import Reception
import Synchronization

public final class DMARCFailureReporter: DMARCFailureReporting {
    let store: any MailStore
    let resolver: any DNSResolving
    let from: EmailAddress
    let signer: DKIMSubmissionSigner?
    let limitPerHour: Int
    let logger: Logger
    /// Reports sent per reported domain in the current hour, and which hour that is.
    private let sent = Mutex<(hour: Int, counts: [String: Int])>((0, [:]))

    public init(store: any MailStore, resolver: any DNSResolving, from: EmailAddress, signer: DKIMSubmissionSigner?,
                limitPerHour: Int, logger: Logger) {
        self.store = store
        self.resolver = resolver
        self.from = from
        self.signer = signer
        self.limitPerHour = limitPerHour
        self.logger = logger
    }

    public func report(_ failure: DMARCFailure, destinations: [String]) {
        guard admit(failure.reportedDomain.lowercased(), now: Date()) else {
            logger.info("DMARC failure report not sent: hourly limit", metadata: ["domain": "\(failure.reportedDomain)"])
            return
        }
        Task { await send(failure, destinations: destinations) }
    }

    /// Counts one report for `domain` if the hour's limit allows it; the map holds this hour only.
    func admit(_ domain: String, now: Date) -> Bool {
        let hour = Int(now.timeIntervalSince1970 / 3600)
        return sent.withLock { state in
            if state.hour != hour { state = (hour, [:]) }
            guard state.counts[domain, default: 0] < limitPerHour, state.counts.count < 100_000 else { return false }
            state.counts[domain, default: 0] += 1
            return true
        }
    }

    /// Checks consent, builds, signs and queues one report; returns the addresses it went to.
    @discardableResult
    func send(_ failure: DMARCFailure, destinations: [String], now: Date = Date()) async -> [String] {
        var recipients: [String] = []
        for destination in destinations.prefix(8).compactMap(ReportDestination.init(uri:)) {
            switch await ExternalDestinationCheck.authorize(policyDomain: failure.policyDomain, destinationDomain: destination.domain, resolver: resolver) {
            case .authorized: recipients.append(destination.address)
            case .refused, .temporaryFailure:
                logger.notice("DMARC failure report not sent to an unconsenting destination",
                              metadata: ["domain": "\(failure.policyDomain)", "to": "\(destination.address)"])
            }
        }
        guard !recipients.isEmpty else { return [] }
        let id = "\(UUID().uuidString.lowercased())@\(from.domain.name)"
        var message = FailureReportMessage.message(for: failure, from: from.description, to: recipients, date: now, messageID: id)
        if let signer {
            let dkim = DKIMMessage(message)
            message = Array(await signer.signatureFields(for: dkim).utf8) + dkim.bytes
        }
        do {
            let queued = try await store.enqueue(OutboundMessage(bytes: message, mailFrom: from,
                                                                 recipients: try recipients.map { QueuedRecipient(address: try EmailAddress($0)) }))
            logger.notice("DMARC failure report queued", metadata: ["domain": "\(failure.reportedDomain)", "queue_id": "\(queued)",
                                                                     "to": "\(recipients.joined(separator: ","))"])
            return recipients
        } catch {
            logger.warning("DMARC failure report not queued", metadata: ["domain": "\(failure.reportedDomain)", "error": "\(error)"])
            return []
        }
    }
}
