// RFC 8601 §5: "a border MTA MUST delete any instances of the header field that appear to have
// been added by its own ADMD" before adding its own. The same holds for our Hato-OpenPGP field
// (docs/openpgp.md), which only Hato writes.

import MailAuth
import MailMessage

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
