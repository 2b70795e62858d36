// Sending TLS reports (RFC 8460, issue 19): for each UTC day that ended and was not dealt with,
// one report per recipient domain with counted sessions, to the mailto: URIs of its one
// `_smtp._tls` TLSRPTv1 TXT record (§3) and by HTTPS POST to its https: URIs (§5.3), DKIM-signed with the From domain's keys and queued as
// "TLS-Required: No" (§3: reports go despite TLS failures). The day's ledger row and the queue
// entry are one transaction (TLSReportLedger.enqueueTLSReport), as for DMARC reports.

import DMARCReport
import DNSMessage
import Foundation
import Logging
import MailCore
import MailStore

public struct TLSReportSender: Sendable {
    /// What one report came to; the dry run prints these, a real run also acts on them.
    public struct Plan: Sendable {
        public var report: TLSReport
        public var policyDomain: String
        public var periodBegin: Date
        public var periodEnd: Date
        public var recipients: [String]
        /// The `rua=https:` destinations the report is POSTed to (RFC 8460 §5.3).
        public var postURLs: [URL] = []
        public var outcome: TLSSentReport.Outcome
        public var detail: String?
        public var message: [UInt8]
        /// The day and domain already have a ledger row: nothing to do.
        public var alreadyDealtWith: Bool
        /// The TXT lookup failed temporarily: decided at a later run.
        public var postponed: Bool
    }

    let store: any MailStore
    let resolver: any DNSResolving
    let settings: TLSReportSettings
    let signer: DKIMSubmissionSigner?
    /// Sends to `rua=https:` destinations; nil: they are left out.
    let poster: TLSReportPoster?
    let logger: Logger
    /// Days older than this are not reported any more.
    var maximumCatchUp: TimeInterval = 7 * 86_400

    public init(store: any MailStore, resolver: any DNSResolving, settings: TLSReportSettings, signer: DKIMSubmissionSigner?,
                poster: TLSReportPoster? = nil, logger: Logger) {
        self.store = store
        self.poster = poster
        self.resolver = resolver
        self.settings = settings
        self.signer = signer
        self.logger = logger
    }

    /// Plans every due report; with `send`, queues and records them. Returns the plans.
    @discardableResult
    public func run(now: Date = Date(), send: Bool) async throws -> [Plan] {
        guard let submitter = settings.submitter, let from = settings.from else { return [] }
        var plans: [Plan] = []
        let days = DMARCReportSender.duePeriods(now: now, period: 86_400, latestEnd: try await store.latestTLSReportPeriodEnd(),
                                                maximumCatchUp: maximumCatchUp)
        for (begin, end) in days {
            let done = Set(try await store.tlsReportsSent(since: begin).filter { $0.periodBegin == begin }.map(\.policyDomain))
            let sessions = try await store.tlsSessions(from: begin, to: end)
            for report in TLSReportBuilder.reports(from: sessions, begin: begin, end: end, submitter: submitter,
                                                   maxFailureDetails: settings.maxFailureDetails) {
                let domain = report.policies.first?.policy.policyDomain ?? ""
                var plan = await plan(report, domain: domain, begin: begin, end: end, submitter: submitter, from: from, now: now)
                plan.alreadyDealtWith = done.contains(domain)
                if send, !plan.alreadyDealtWith, !plan.postponed { plan = try await act(on: plan, from: from, now: now) }
                plans.append(plan)
            }
        }
        return plans
    }

    func plan(_ report: TLSReport, domain: String, begin: Date, end: Date, submitter: TLSReportBuilder.Submitter, from: EmailAddress,
              now: Date) async -> Plan {
        var plan = Plan(report: report, policyDomain: domain, periodBegin: begin, periodEnd: end, recipients: [], outcome: .noDestination,
                        detail: nil, message: [], alreadyDealtWith: false, postponed: false)
        let records: [String]
        do {
            records = try await resolver.lookupTXT(DNSName("_smtp._tls." + domain))
        } catch {
            if (error as? DNSError)?.isNotFound ?? false {
                plan.detail = "no _smtp._tls.\(domain) TXT record"
            } else {
                plan.postponed = true
                plan.detail = "_smtp._tls.\(domain) TXT lookup failed: \(error)"
            }
            return plan
        }
        guard let uris = TLSRPTRecord.reportURIs(records) else {
            plan.detail = "_smtp._tls.\(domain) has no single valid v=TLSRPTv1 record with rua= (RFC 8460 §3)"
            return plan
        }
        let destinations = uris.compactMap(ReportDestination.init(uri:))
        plan.postURLs = poster == nil ? [] : uris.compactMap(TLSReportPoster.destination)
        guard !destinations.isEmpty || !plan.postURLs.isEmpty else {
            plan.detail = "rua= has no mailto: or https: destination: \(uris.joined(separator: ","))"
            return plan
        }
        plan.recipients = destinations.map(\.address)
        plan.outcome = destinations.isEmpty ? .posted : .queued
        guard !destinations.isEmpty else { return plan }
        plan.message = await DMARCReportSender.sign(
            TLSReportMessage.message(for: report, policyDomain: domain, submitterDomain: submitter.domain, from: from.description,
                                     to: plan.recipients, begin: begin, end: end, date: now), signer: signer)
        return plan
    }

    /// How long after its day ends a report every destination refused is tried again (RFC 8460
    /// §5.5: "for up to 24 hours after the initial attempt"). The service runs hourly, so a
    /// refused POST is retried at most once an hour.
    static let retryWindow: TimeInterval = 86_400

    /// Records (and queues or posts) one report; returns the plan with what the POSTs came to.
    func act(on plan: Plan, from: EmailAddress, now: Date) async throws -> Plan {
        var plan = plan
        let metadata: Logger.Metadata = ["domain": "\(plan.policyDomain)", "report_id": "\(plan.report.reportID)", "outcome": "\(plan.outcome.rawValue)"]
        // RFC 8460 §5.3: POSTed before the day is recorded, so a crash in between posts again
        // (with the same report-id) rather than never; a failed POST is logged and recorded.
        if let poster, !plan.postURLs.isEmpty {
            let gzip = TLSReportMessage.gzip(plan.report)
            var posted: [String] = [], failed: [String] = []
            for url in plan.postURLs {
                do {
                    try await poster.post(gzip, to: url)
                    posted.append(url.absoluteString)
                    logger.notice("TLS report posted", metadata: metadata.merging(["url": "\(url.absoluteString)"]) { a, _ in a })
                } catch {
                    failed.append("\(url.absoluteString): \(error)")
                    logger.warning("TLS report POST failed", metadata: metadata.merging(["url": "\(url.absoluteString)", "error": "\(error)"]) { a, _ in a })
                }
            }
            let detail = (posted.isEmpty ? [] : ["posted to \(posted.joined(separator: ","))"]) + (failed.isEmpty ? [] : ["POST failed: \(failed.joined(separator: "; "))"])
            plan.detail = ([plan.detail].compactMap { $0 } + detail).joined(separator: "; ")
            // No destination took the report (no mailto:, every POST refused): the day stays
            // out of the ledger and a later run POSTs the same report (same report-id) again,
            // until the retry window closes and the failure is recorded.
            let retryUntil = plan.periodEnd.addingTimeInterval(Self.retryWindow)
            if posted.isEmpty, plan.outcome == .posted, now < retryUntil {
                plan.postponed = true
                plan.detail = (plan.detail ?? "") + "; retried hourly until \(TLSReport.dateTime(retryUntil))"
                return plan
            }
        }
        let sent = TLSSentReport(periodBegin: plan.periodBegin, periodEnd: plan.periodEnd, policyDomain: plan.policyDomain,
                                 reportID: plan.report.reportID, outcome: plan.outcome,
                                 destinations: plan.recipients + plan.postURLs.map(\.absoluteString), detail: plan.detail)
        guard plan.outcome == .queued else {
            if try await store.recordTLSReportSent(sent) {
                logger.info(plan.outcome == .posted ? "TLS report recorded" : "TLS report not sent",
                            metadata: metadata.merging(["detail": "\(plan.detail ?? "")"]) { a, _ in a })
            }
            return plan
        }
        let recipients = try plan.recipients.map { QueuedRecipient(address: try EmailAddress($0)) }
        // RFC 8460 §3: "MUST deliver reports despite any TLS-related failures" (RFC 8689 TLS-Required: No).
        let outbound = OutboundMessage(bytes: plan.message, mailFrom: from, recipients: recipients, tlsRequirement: .optional)
        if let id = try await store.enqueueTLSReport(outbound, sent: sent) {
            logger.notice("TLS report queued", metadata: metadata.merging(["queue_id": "\(id)", "to": "\(plan.recipients.joined(separator: ","))"]) { a, _ in a })
        }
        return plan
    }
}
