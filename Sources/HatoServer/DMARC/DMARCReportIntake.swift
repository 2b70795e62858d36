// Reports others send (issue 22): the attachment of a report message is parsed under the
// configured limits and stored once per reporter and report id. One that does not parse is
// kept with its problem and bytes, never thrown away and never fatal (RFC 9990 §6.2).

import DMARCReport
import Foundation
import MailStore

public enum DMARCReportIntake {
    public enum Outcome: Sendable, Equatable {
        case stored(DMARCReceivedReport)
        /// The same reporter's report id is already stored.
        case duplicate(reporter: String, reportID: String)
        /// Did not parse: kept, flagged with the problem.
        case flagged(DMARCReceivedReport)
    }

    /// Parses and stores one attachment. `sender` names the reporter of a report that did not
    /// parse; `name` (the file name) makes its id, so the same bad file is kept once.
    public static func importAttachment(_ bytes: [UInt8], sender: String, name: String, limits: DMARCReportLimits,
                                        store: any DMARCReportLedger, now: Date = Date()) async throws -> Outcome {
        let record: DMARCReceivedReport
        do {
            let report = try ReportAttachment.report(from: bytes, limits: limits)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            record = DMARCReceivedReport(
                receivedAt: now, reporter: report.metadata.orgName, reportID: report.metadata.reportID,
                policyDomain: report.policyPublished.domain,
                periodBegin: Date(timeIntervalSince1970: TimeInterval(report.metadata.begin)),
                periodEnd: Date(timeIntervalSince1970: TimeInterval(report.metadata.end)), messageCount: report.messageCount,
                recordCount: report.records.count, reportJSON: String(decoding: try encoder.encode(report), as: UTF8.self))
        } catch let problem as DMARCReportError {
            // Kept up to the XML limit, so a flood of huge junk cannot fill the store either.
            let kept = Array(bytes.prefix(limits.maxXMLBytes))
            let flagged = DMARCReceivedReport(
                receivedAt: now, reporter: sender, reportID: "unparsed:\(name):\(bytes.count)", policyDomain: "", periodBegin: now,
                periodEnd: now, messageCount: 0, recordCount: 0, reportJSON: nil, problem: problem.description, attachment: kept)
            guard let stored = try await store.storeDMARCReceivedReport(flagged) else {
                return .duplicate(reporter: sender, reportID: flagged.reportID)
            }
            return .flagged(stored)
        }
        guard let stored = try await store.storeDMARCReceivedReport(record) else {
            return .duplicate(reporter: record.reporter, reportID: record.reportID)
        }
        return .stored(stored)
    }

    /// The parsed report of a stored row.
    public static func report(of row: DMARCReceivedReport) -> AggregateReport? {
        row.reportJSON.flatMap { try? JSONDecoder().decode(AggregateReport.self, from: Data($0.utf8)) }
    }
}
