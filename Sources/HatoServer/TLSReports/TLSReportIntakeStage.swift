import DMARCReport
import Foundation
import MailAuth
import MailMessage
import MailStore
import Reception

/// The smtp listener's reading of incoming TLS reports (`[tls_reports] receive`): in mail to one
/// of tls_reports.report_addresses, each application/tlsrpt+gzip or +json part (RFC 8460 §6.4,
/// §6.5) is read with the message's passing DKIM signatures. The mail is delivered as usual.
struct TLSReportIntakeStage: ReceptionStage {
    let addresses: Set<String>
    let maxJSONBytes: Int
    let store: any TLSReportLedger
    /// Reporters send one report per message; more parts than this are not read.
    var maxAttachments = 4

    var name: String { "tls-reports" }
    var phases: ReceptionPhases { .message }

    func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction, client: ReceptionClient) async -> ReceptionVerdict {
        guard transaction.recipients.contains(where: { addresses.contains($0.address.description.lowercased()) }) else { return .accept }
        let parsed = message.content.parsed
        // RFC 8460 §3: signed by the reporting domain, and "MUST NOT use the l= attribute".
        let signedBy = (message.authentication?.dkim ?? []).filter { $0.result == .pass && $0.bodyLength == nil }.compactMap(\.domain)
        let sender = transaction.mailFrom?.description ?? "<>"
        var read = 0
        for part in parsed.root.allParts where part.isLeaf && part.contentType.type == "application"
            && ["tlsrpt+gzip", "tlsrpt+json"].contains(part.contentType.subtype) {
            guard read < maxAttachments else { break }
            read += 1
            do {
                let outcome = try await TLSReportIntake.importAttachment(
                    parsed.decodedBody(of: part), sender: sender, name: part.filename ?? "part-\(part.sectionString)", signedBy: signedBy,
                    maxJSONBytes: maxJSONBytes, store: store)
                switch outcome {
                case .stored(let row):
                    client.logger.notice("TLS report stored", metadata: ["id": "\(row.id ?? 0)", "reporter": "\(row.reporter)",
                                                                          "domain": "\(row.policyDomain)", "failed": "\(row.recordCount)"])
                case .duplicate(let reporter, let reportID):
                    client.logger.info("TLS report already stored", metadata: ["reporter": "\(reporter)", "report_id": "\(reportID)"])
                case .flagged(let row):
                    client.logger.warning("TLS report kept unread", metadata: ["id": "\(row.id ?? 0)", "problem": "\(row.problem ?? "")"])
                }
            } catch {
                client.logger.error("could not store a TLS report", metadata: ["error": "\(error)"])
            }
        }
        return .accept
    }
}
