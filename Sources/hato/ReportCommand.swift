import ArgumentParser
import DMARCReport
import Foundation
import HatoServer
import Logging
import MailStore

/// `hato report`: DMARC aggregate reports sent and received (docs/dmarc-reports.md).
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "DMARC aggregate reports (RFC 9990): send, import, list, show; TLS reports (RFC 8460): send.",
        subcommands: [DMARC.self, TLS.self, Import.self, List.self, Show.self])

    static func date(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    struct DMARC: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dmarc", abstract: "Send the aggregate reports of the periods that ended and were not sent yet.")
        @OptionGroup var options: ConfigOptions
        @Flag(help: "Queue the reports now (the running server also does this after each period).") var sendNow = false
        @Flag(help: "Print what would be sent, send nothing.") var dryRun = false
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
            guard let sender = DMARCReportSetup.sender(admin.config, store: admin.store, logger: Logger(label: "hato.dmarc-reports")) else {
                throw ValidationError("set dmarc.report_from (and DNS) to send reports")
            }
            let plans = try await sender.run(now: now, send: sendNow)
            for plan in plans {
                let report = plan.report
                var line = "\(report.policyPublished.domain) \(ReportCommand.date(plan.periodBegin))..\(ReportCommand.date(plan.periodEnd)) "
                line += "records=\(report.records.count) messages=\(report.messageCount) "
                if plan.alreadyDealtWith {
                    line += "already-done"
                } else if plan.postponed {
                    line += "postponed"
                } else {
                    line += plan.outcome.rawValue
                }
                if !plan.recipients.isEmpty { line += " to=\(plan.recipients.joined(separator: ",")) bytes=\(plan.message.count)" }
                if let detail = plan.detail { line += " (\(detail))" }
                print(line)
                if dryRun, plan.outcome == .queued, !plan.alreadyDealtWith, !plan.postponed { print(report.xml()) }
            }
            if plans.isEmpty { print("no DMARC evaluations with rua= in the periods due") }
            if sendNow, plans.contains(where: { $0.outcome == .queued && !$0.alreadyDealtWith && !$0.postponed }) {
                try? DeliverySetup.wakeRunningQueue(admin.config)
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import aggregate report files (XML, gzip or ZIP; with --tls RFC 8460 JSON, gzip or plain), e.g. from another system.")
        @OptionGroup var options: ConfigOptions
        @Flag(help: "TLS reports (RFC 8460 JSON) instead of DMARC reports. No DKIM check: importing a file vouches for it.") var tls = false
        @Argument(help: "Report files.") var files: [String]
        func run() async throws {
            let admin = try options.admin()
            for file in files {
                let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
                let name = URL(fileURLWithPath: file).lastPathComponent
                let outcome = tls
                    ? try await TLSReportIntake.importAttachment(bytes, sender: "file", name: name, signedBy: nil,
                                                                 maxJSONBytes: admin.config.tlsReports.maxReportSize, store: admin.store)
                    : try await DMARCReportIntake.importAttachment(bytes, sender: "file", name: name, limits: admin.config.dmarcReports.limits,
                                                                   store: admin.store)
                switch outcome {
                case .stored(let row): print("\(file): stored as \(row.id ?? 0) (\(row.reporter) \(row.reportID))")
                case .duplicate(let reporter, let id): print("\(file): already stored (\(reporter) \(id))")
                case .flagged(let row): print("\(file): kept as \(row.id ?? 0), not readable: \(row.problem ?? "")")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Received aggregate reports (DMARC, or TLS with --tls), newest first.")
        @OptionGroup var options: ConfigOptions
        @Option(help: "Only reports about this policy domain.") var domain: String?
        @Option(help: "Only reports whose period ends at or after this date (YYYY-MM-DD or ISO 8601).") var since: String?
        @Option(help: "At most this many.") var limit = 100
        @Flag(help: "JSON lines instead of a table.") var json = false
        @Flag(help: "TLS reports (RFC 8460) instead of DMARC reports.") var tls = false
        func run() async throws {
            var sinceDate: Date?
            if let since {
                let day = DateFormatter()
                day.dateFormat = "yyyy-MM-dd"
                day.timeZone = TimeZone(identifier: "UTC")
                guard let parsed = ISO8601DateFormatter().date(from: since) ?? day.date(from: since) else {
                    throw ValidationError("\(since) is not a date")
                }
                sinceDate = parsed
            }
            let store = try options.admin().store
            if tls {
                printTLS(try await store.tlsReceivedReports(domain: domain, since: sinceDate, limit: limit))
                return
            }
            let rows = try await store.dmarcReceivedReports(domain: domain, since: sinceDate, limit: limit)
            if json {
                for row in rows {
                    let object: [String: Any] = ["id": row.id ?? 0, "reporter": row.reporter, "report_id": row.reportID, "domain": row.policyDomain,
                                                 "begin": ReportCommand.date(row.periodBegin), "end": ReportCommand.date(row.periodEnd),
                                                 "messages": row.messageCount, "records": row.recordCount, "problem": row.problem ?? NSNull()]
                    print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
                }
                return
            }
            print(Table.render(["ID", "DOMAIN", "REPORTER", "BEGIN", "END", "MESSAGES", "RECORDS", "PROBLEM"], rows.map { row in
                ["\(row.id ?? 0)", row.policyDomain.isEmpty ? "-" : row.policyDomain, row.reporter, ReportCommand.date(row.periodBegin),
                 ReportCommand.date(row.periodEnd), "\(row.messageCount)", "\(row.recordCount)", row.problem ?? "-"]
            }))
        }

        /// TLS reports: successful and failed session totals (`messageCount`, `recordCount` of the row).
        func printTLS(_ rows: [TLSReceivedReport]) {
            if json {
                for row in rows {
                    let object: [String: Any] = ["id": row.id ?? 0, "reporter": row.reporter, "report_id": row.reportID, "domain": row.policyDomain,
                                                 "begin": ReportCommand.date(row.periodBegin), "end": ReportCommand.date(row.periodEnd),
                                                 "successful": row.messageCount, "failed": row.recordCount, "problem": row.problem ?? NSNull()]
                    if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) { print(String(decoding: data, as: UTF8.self)) }
                }
                return
            }
            print(Table.render(["ID", "DOMAIN", "REPORTER", "BEGIN", "END", "SUCCESSFUL", "FAILED", "PROBLEM"], rows.map { row in
                ["\(row.id ?? 0)", row.policyDomain.isEmpty ? "-" : row.policyDomain, row.reporter, ReportCommand.date(row.periodBegin),
                 ReportCommand.date(row.periodEnd), "\(row.messageCount)", "\(row.recordCount)", row.problem ?? "-"]
            }))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One received report: its metadata, policy and every record (DMARC, or TLS with --tls).")
        @OptionGroup var options: ConfigOptions
        @Argument var id: Int64
        @Flag(help: "A TLS report (RFC 8460) from `hato report list --tls` instead of a DMARC report.") var tls = false
        func run() async throws {
            if tls { return try await ReportCommand.showTLS(id, store: options.admin().store) }
            guard let row = try await options.admin().store.dmarcReceivedReport(id: id) else { throw ValidationError("no report \(id)") }
            print("id: \(id)")
            print("reporter: \(row.reporter)")
            print("report-id: \(row.reportID)")
            print("received: \(ReportCommand.date(row.receivedAt))")
            if let problem = row.problem {
                print("problem: \(problem)")
                print("attachment: \(row.attachment?.count ?? 0) bytes kept")
                return
            }
            guard let report = DMARCReportIntake.report(of: row) else { throw ValidationError("report \(id) is not readable") }
            let policy = report.policyPublished
            print("period: \(ReportCommand.date(row.periodBegin)) .. \(ReportCommand.date(row.periodEnd))")
            print("policy: \(policy.domain) p=\(policy.p) sp=\(policy.sp ?? "-") adkim=\(policy.adkim ?? "r") aspf=\(policy.aspf ?? "r")")
            if !report.metadata.email.isEmpty { print("contact: \(report.metadata.email)") }
            print(Table.render(["SOURCE", "COUNT", "DISPOSITION", "DKIM", "SPF", "HEADER-FROM", "ENVELOPE-FROM", "AUTH"], report.records.map { record in
                let auth = record.dkimResults.map { "dkim=\($0.result):\($0.domain)" } + record.spfResults.map { "spf=\($0.result):\($0.domain)" }
                return [record.sourceIP, "\(record.count)", record.disposition, record.dkim, record.spf, record.headerFrom,
                        record.envelopeFrom ?? "-", auth.joined(separator: " ")]
            }))
        }
    }
}
