import DMARCReport
import Foundation
import MailMessage
import MailStore
import Reception

/// The smtp listener's reading of incoming aggregate reports (`[dmarc] receive_reports`): mail
/// to one of dmarc.report_addresses has its report attachments (gzip, ZIP or XML, told by their
/// content) parsed and stored. The message itself is delivered as usual; this stage only reads.
struct DMARCReportIntakeStage: ReceptionStage {
    let addresses: Set<String>
    let limits: DMARCReportLimits
    let store: any DMARCReportLedger
    /// Reporters send one file; a message with more parts than this is read only this far.
    var maxAttachments = 4

    var name: String { "dmarc-reports" }
    var phases: ReceptionPhases { .message }

    func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction, client: ReceptionClient) async -> ReceptionVerdict {
        guard transaction.recipients.contains(where: { addresses.contains($0.address.description.lowercased()) }) else { return .accept }
        let parsed = message.content.parsed
        let sender = transaction.mailFrom?.description ?? "<>"
        var read = 0
        for part in parsed.root.allParts where part.isLeaf && (part.contentType.type != "text" || part.contentType.subtype == "xml") {
            guard read < maxAttachments else { break }
            let bytes = parsed.decodedBody(of: part)
            guard ReportAttachment.format(of: bytes) != nil else { continue }
            read += 1
            do {
                let outcome = try await DMARCReportIntake.importAttachment(bytes, sender: sender, name: part.filename ?? "part-\(part.sectionString)",
                                                                           limits: limits, store: store)
                switch outcome {
                case .stored(let row):
                    client.logger.notice("DMARC aggregate report stored", metadata: [
                        "id": "\(row.id ?? 0)", "reporter": "\(row.reporter)", "domain": "\(row.policyDomain)", "records": "\(row.recordCount)"])
                case .duplicate(let reporter, let reportID):
                    client.logger.info("DMARC aggregate report already stored", metadata: ["reporter": "\(reporter)", "report_id": "\(reportID)"])
                case .flagged(let row):
                    client.logger.warning("DMARC report attachment kept unparsed", metadata: ["id": "\(row.id ?? 0)", "problem": "\(row.problem ?? "")"])
                }
            } catch {
                client.logger.error("could not store a DMARC aggregate report", metadata: ["error": "\(error)"])
            }
        }
        return .accept
    }
}
