// RFC 8601 §5: "a border MTA MUST delete any instances of the header field that appear to have
// been added by its own ADMD" before adding its own. The same holds for our Hato-OpenPGP field
// (docs/openpgp.md), which only Hato writes.

// A header with more fields than `limits.max_header_fields` is refused: the parser keeps only
// that many, so a field beyond them could not be found and removed, and a forged
// Authentication-Results, Hato-Risk or Hato-OpenPGP placed after 10,000 filler fields would reach
// the mailbox (it comes back whole with BODY[HEADER]). Postfix bounds the header the same way
// (header_size_limit); refusing keeps the message intact instead of cutting it.

import MailAuth
import MailMessage
import SMTPProtocol

/// Removes every received Authentication-Results field that claims our authserv-id, whatever
/// comments, quoting, folding or letter case surround it (`AuthenticationResultsFilter`), so
/// that clients and filters can trust the one we add, and every received Hato-OpenPGP field.
/// Runs on every listener.
public struct ForgedResultsStage: ReceptionStage {
    public var name: String { "forged-results" }
    public var phases: ReceptionPhases { .message }

    public init() {}

    public func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction,
                        client: ReceptionClient) async -> ReceptionVerdict {
        if message.content.parsed.problems.contains(where: { $0.kind == .tooManyHeaderFields && $0.section.isEmpty }) {
            // RFC 3463 §3.4 X.3.4: too big for the system (here: its header).
            return .reject(ReceptionRefusal(552, SMTPEnhancedStatusCode(5, 3, 4)!, "Message header has too many fields",
                                            cause: "more header fields than limits.max_header_fields"))
        }
        let removed = message.content.removeReceivedFields { AuthenticationResultsFilter.claims($0, authservID: client.hostname) }
        if removed > 0 {
            client.logger.notice("removed forged Authentication-Results", metadata: ["fields": "\(removed)", "id": "\(transaction.id)"])
        }
        // Hato-OpenPGP is ours alone (OpenPGPStage): every received copy goes, whoever claims to have written it.
        let openpgp = message.content.removeReceivedFields { $0.hasName(OpenPGPStage.fieldName) }
        if openpgp > 0 {
            client.logger.notice("removed received Hato-OpenPGP", metadata: ["fields": "\(openpgp)", "id": "\(transaction.id)"])
        }
        return .accept
    }
}
