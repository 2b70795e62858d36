// RFC 8601 §5: "a border MTA MUST delete any instances of the header field that appear to have
// been added by its own ADMD" before adding its own.

import MailAuth
import MailMessage

/// Removes every received Authentication-Results field that claims our authserv-id, whatever
/// comments, quoting, folding or letter case surround it (`AuthenticationResultsFilter`), so
/// that clients and filters can trust the one we add. Runs on every listener.
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
        return .accept
    }
}
