// Sending aggregate reports (RFC 9990, issue 22): for each complete period not yet dealt with,
// one report per policy domain evaluated, to the rua= mailboxes that accept it (external
// destinations consent in the DNS, RFC 9990 §3; "!size" limits honoured), DKIM-signed with the
// From domain's keys and queued. The period's ledger row and the queue entry are one
// transaction (DMARCReportLedger.enqueueDMARCReport): a restart neither loses nor repeats one.

import DMARCReport
import DNSMessage
import Foundation
import Logging
import MailAuth
import MailCore
import MailStore

public struct DMARCReportSender: Sendable {
    /// What one report came to; the dry run prints these, a real run also acts on them.
    public struct Plan: Sendable {
        public var report: AggregateReport
        public var periodBegin: Date
        public var periodEnd: Date
        public var recipients: [String]
        public var outcome: DMARCSentReport.Outcome
        public var detail: String?
        public var message: [UInt8]
        /// The period and domain already have a ledger row: nothing to do.
        public var alreadyDealtWith: Bool
        /// A DNS answer is missing: decided at a later run.
        public var postponed: Bool
    }

    let store: any MailStore
    let resolver: any DNSResolving
    let settings: DMARCReportSettings
    let signer: DKIMSubmissionSigner?
    let logger: Logger
    /// Periods older than this are not reported any more (evaluations of a long outage).
    var maximumCatchUp: TimeInterval = 7 * 86_400

    public init(store: any MailStore, resolver: any DNSResolving, settings: DMARCReportSettings, signer: DKIMSubmissionSigner?, logger: Logger) {
        self.store = store
        self.resolver = resolver
        self.settings = settings
        self.signer = signer
        self.logger = logger
    }

    /// The complete periods to look at now, oldest first: from the latest period with a ledger
    /// row (looked at again, in case a run stopped half-way through its domains) to the last
    /// period that ended; just the last one on the first run.
    public func duePeriods(now: Date) async throws -> [(begin: Date, end: Date)] {
        Self.duePeriods(now: now, period: TimeInterval(settings.period), latestEnd: try await store.latestDMARCReportPeriodEnd(),
                        maximumCatchUp: maximumCatchUp)
    }

    /// The periods to report given the end of the latest one in a ledger (shared with TLS-RPT's daily reports).
    static func duePeriods(now: Date, period: TimeInterval, latestEnd: Date?, maximumCatchUp: TimeInterval) -> [(begin: Date, end: Date)] {
        let lastEnd = (now.timeIntervalSince1970 / period).rounded(.down) * period
        var begin = lastEnd - period
        if let latestEnd { begin = min(begin, latestEnd.timeIntervalSince1970 - period) }
        begin = max(begin, lastEnd - maximumCatchUp)
        return stride(from: begin, to: lastEnd, by: period).map { (Date(timeIntervalSince1970: $0), Date(timeIntervalSince1970: $0 + period)) }
    }

    /// Plans every due report; with `send`, queues and records them. Returns the plans.
    @discardableResult
    public func run(now: Date = Date(), send: Bool) async throws -> [Plan] {
        guard let reporter = settings.reporter, let from = settings.from else { return [] }
        var plans: [Plan] = []
        for (begin, end) in try await duePeriods(now: now) {
            let done = Set(try await store.dmarcReportsSent(since: begin).filter { $0.periodBegin == begin }.map(\.policyDomain))
            let evaluations = try await store.dmarcEvaluations(from: begin, to: end, headerFrom: nil)
            for pending in AggregateReportBuilder.reports(from: evaluations, begin: begin, end: end, reporter: reporter, generator: "Hato") {
                var plan = await plan(pending, begin: begin, end: end, from: from, now: now)
                plan.alreadyDealtWith = done.contains(pending.report.policyPublished.domain.lowercased())
                if send, !plan.alreadyDealtWith, !plan.postponed { try await act(on: plan, from: from) }
                plans.append(plan)
            }
        }
        return plans
    }

    func plan(_ pending: PendingAggregateReport, begin: Date, end: Date, from: EmailAddress, now: Date) async -> Plan {
        let report = pending.report
        let domain = report.policyPublished.domain
        var plan = Plan(report: report, periodBegin: begin, periodEnd: end, recipients: [], outcome: .noDestination, detail: nil, message: [],
                        alreadyDealtWith: false, postponed: false)
        let destinations = pending.reportURIs.compactMap(ReportDestination.init(uri:))
        guard !destinations.isEmpty else {
            plan.detail = "rua= has no mailto: address: \(pending.reportURIs.joined(separator: ","))"
            return plan
        }
        var authorized: [ReportDestination] = []
        var refused: [String] = []
        for destination in destinations {
            switch await ExternalDestinationCheck.authorize(policyDomain: domain, destinationDomain: destination.domain, resolver: resolver) {
            case .authorized: authorized.append(destination)
            case .refused: refused.append(destination.address)
            case .temporaryFailure(let detail):
                plan.postponed = true
                plan.detail = detail
                return plan
            }
        }
        guard !authorized.isEmpty else {
            plan.outcome = .refused
            plan.detail = "no consent record (<domain>._report._dmarc.<destination> TXT) for \(refused.joined(separator: ","))"
            return plan
        }
        let unsigned = AggregateReportMessage.message(for: report, from: from.description, to: authorized.map(\.address), date: now,
                                                      messageIDDomain: from.domain.name)
        plan.message = await sign(unsigned)
        let fitting = authorized.filter { $0.maxSize.map { UInt64(plan.message.count) <= $0 } ?? true }
        guard !fitting.isEmpty else {
            plan.outcome = .tooLarge
            plan.detail = "\(plan.message.count) octets exceed every size limit (\(authorized.compactMap(\.maxSize).map(String.init).joined(separator: ",")))"
            return plan
        }
        if fitting.count < authorized.count {
            plan.message = await sign(AggregateReportMessage.message(for: report, from: from.description, to: fitting.map(\.address), date: now,
                                                                     messageIDDomain: from.domain.name))
        }
        plan.recipients = fitting.map(\.address)
        plan.outcome = .queued
        if !refused.isEmpty { plan.detail = "not sent to \(refused.joined(separator: ",")): no consent record" }
        return plan
    }

    func sign(_ message: [UInt8]) async -> [UInt8] { await Self.sign(message, signer: signer) }

    /// The DKIM-Signature fields of the From domain's keys on top (also TLS-RPT's, RFC 8460 §3).
    static func sign(_ message: [UInt8], signer: DKIMSubmissionSigner?) async -> [UInt8] {
        guard let signer else { return message }
        let dkim = DKIMMessage(message)
        return Array(await signer.signatureFields(for: dkim).utf8) + dkim.bytes
    }

    func act(on plan: Plan, from: EmailAddress) async throws {
        let domain = plan.report.policyPublished.domain
        let sent = DMARCSentReport(periodBegin: plan.periodBegin, periodEnd: plan.periodEnd, policyDomain: domain,
                                   reportID: plan.report.metadata.reportID, outcome: plan.outcome, destinations: plan.recipients, detail: plan.detail)
        let metadata: Logger.Metadata = ["domain": "\(domain)", "report_id": "\(plan.report.metadata.reportID)", "outcome": "\(plan.outcome.rawValue)"]
        guard plan.outcome == .queued else {
            if try await store.recordDMARCReportSent(sent) { logger.notice("DMARC aggregate report not sent", metadata: metadata.merging(["detail": "\(plan.detail ?? "")"]) { a, _ in a }) }
            return
        }
        let recipients = try plan.recipients.map { QueuedRecipient(address: try EmailAddress($0)) }
        // RFC 9990 §4.4 does not say which envelope sender; the reports address receives bounces.
        let outbound = OutboundMessage(bytes: plan.message, mailFrom: from, recipients: recipients)
        if let id = try await store.enqueueDMARCReport(outbound, sent: sent) {
            logger.notice("DMARC aggregate report queued", metadata: metadata.merging(["queue_id": "\(id)", "to": "\(plan.recipients.joined(separator: ","))"]) { a, _ in a })
        }
    }
}
