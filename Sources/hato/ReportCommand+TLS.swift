import ArgumentParser
import DMARCReport
import Foundation
import HatoServer
import Logging
import MailStore

extension ReportCommand {
    /// `hato report tls`: the TLS-RPT (RFC 8460) reports of the days that ended (docs/transport-security.md).
    struct TLS: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tls", abstract: "Send the TLS reports (RFC 8460) of the days that ended and were not sent yet.")
        @OptionGroup var options: ConfigOptions
        @Flag(help: "Queue the reports now (the running server also does this daily with tls_reports.send = on).") var sendNow = false
        @Flag(help: "Print what would be sent, with each report's JSON; send nothing.") var dryRun = false
        @Option(help: "Act as if it were this time (ISO 8601), e.g. to report the day that just ended.") var asOf: String?

        func validate() throws {
            guard sendNow != dryRun else { throw ValidationError("give exactly one of --send-now and --dry-run") }
        }

        func run() async throws {
            let admin = try options.admin()
            var now = Date()
            if let asOf {
                guard let parsed = ISO8601DateFormatter().date(from: asOf) else { throw ValidationError("\(asOf) is not an ISO 8601 time") }
                now = parsed
            }
            guard let sender = TLSReportSetup.sender(admin.config, store: admin.store, logger: Logger(label: "hato.tls-reports")) else {
                throw ValidationError("set tls_reports.from (and DNS) to send TLS reports")
            }
            let plans = try await sender.run(now: now, send: sendNow)
            for plan in plans {
                let summaries = plan.report.policies.map(\.summary)
                var line = "\(plan.policyDomain) \(ReportCommand.date(plan.periodBegin))..\(ReportCommand.date(plan.periodEnd)) "
                line += "policies=\(plan.report.policies.count) successful=\(summaries.reduce(0) { $0 + $1.totalSuccessfulSessionCount }) "
                line += "failed=\(summaries.reduce(0) { $0 + $1.totalFailureSessionCount }) "
                line += plan.alreadyDealtWith ? "already-done" : plan.postponed ? "postponed" : plan.outcome.rawValue
                if !plan.recipients.isEmpty { line += " to=\(plan.recipients.joined(separator: ",")) bytes=\(plan.message.count)" }
                if !plan.postURLs.isEmpty { line += " post=\(plan.postURLs.map(\.absoluteString).joined(separator: ","))" }
                if let detail = plan.detail { line += " (\(detail))" }
                print(line)
                if dryRun, !plan.alreadyDealtWith, !plan.postponed { print(String(decoding: plan.report.json(pretty: true), as: UTF8.self)) }
            }
            if plans.isEmpty { print("no outbound TLS sessions recorded in the days due") }
            if sendNow, plans.contains(where: { $0.outcome == .queued && !$0.alreadyDealtWith && !$0.postponed }) {
                try? DeliverySetup.wakeRunningQueue(admin.config)
            }
        }
    }

    /// `hato report show --tls ID`: a received TLS report in readable form: who sent it, the
    /// period, and per policy its type, strings, MX hosts, session totals and failure details
    /// (RFC 8460 §4.4).
    static func showTLS(_ id: Int64, store: any MailStore) async throws {
        guard let row = try await store.tlsReceivedReport(id: id) else { throw ValidationError("no TLS report \(id)") }
        print("id: \(id)")
        print("reporter: \(row.reporter)")
        print("report-id: \(row.reportID)")
        print("received: \(date(row.receivedAt))")
        if let problem = row.problem {
            print("problem: \(problem)")
            print("attachment: \(row.attachment?.count ?? 0) bytes kept")
            return
        }
        guard let json = row.reportJSON, let report = try? TLSReport.parse(Array(json.utf8)) else {
            throw ValidationError("TLS report \(id) is not readable")
        }
        print("period: \(report.dateRange.startDatetime) .. \(report.dateRange.endDatetime)")
        if !report.contactInfo.isEmpty { print("contact: \(report.contactInfo)") }
        for result in report.policies {
            let policy = result.policy
            print("policy: \(policy.policyDomain) \(policy.policyType) successful=\(result.summary.totalSuccessfulSessionCount) "
                  + "failed=\(result.summary.totalFailureSessionCount)")
            if let hosts = policy.mxHost, !hosts.isEmpty { print("  mx-host: \(hosts.joined(separator: ", "))") }
            for line in policy.policyString ?? [] { print("  policy-string: \(line)") }
            guard let details = result.failureDetails, !details.isEmpty else { continue }
            print(Table.render(["RESULT", "SESSIONS", "SENDING-IP", "MX-HOST", "MX-HELO", "RECEIVING-IP", "REASON"], details.map { detail in
                [detail.resultType, "\(detail.failedSessionCount)", detail.sendingMTAIP ?? "-", detail.receivingMXHostname ?? "-",
                 detail.receivingMXHelo ?? "-", detail.receivingIP ?? "-",
                 [detail.failureReasonCode, detail.additionalInformation].compactMap { $0 }.joined(separator: " ").nilIfEmpty ?? "-"]
            }))
        }
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
