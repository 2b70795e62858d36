import ArgumentParser
import DMARCReport
import Foundation
import HatoServer
import Logging

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
}
