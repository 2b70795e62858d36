// RCPT TO (RFC 5321 §4.1.1.3): where a recipient goes, and the no-open-relay rule (§3.6).

import MailCore
import MailStore
import SMTPProtocol

/// Resolves each recipient through the directory (accounts, +tag, aliases, catch-all): local
/// domains take only addresses that exist and have room; anything else is relayed only for an
/// authenticated client.
public struct RecipientStage: ReceptionStage {
    public let store: any MailStore
    public var name: String { "recipient" }
    public var phases: ReceptionPhases { .recipient }

    public init(store: any MailStore) { self.store = store }

    public func recipient(_ recipient: inout ReceptionRecipient, transaction: ReceptionTransaction,
                          client: ReceptionClient) async -> ReceptionVerdict {
        let resolution: RecipientResolution
        do {
            if recipient.isBarePostmaster {
                guard let (address, found) = try await postmaster(client) else {
                    client.logger.warning("RCPT TO:<Postmaster> refused: no local domain has a postmaster address (add an alias)")
                    return .reject(ReceptionRefusal(550, SMTPEnhancedStatusCode(5, 1, 1)!, "No postmaster mailbox here"))
                }
                recipient.address = address
                resolution = found
            } else {
                resolution = try await store.resolveRecipient(recipient.address)
            }
        } catch {
            return .defer(ReceptionRefusal(451, SMTPEnhancedStatusCode(4, 3, 0)!, "Temporary lookup failure", cause: "\(error)"))
        }
        switch resolution {
        case .notLocal where client.account != nil:
            recipient.resolution = .mixed(local: [], remote: [recipient.address])
        case .notLocal:
            return .reject(ReceptionRefusal(550, SMTPEnhancedStatusCode(5, 7, 1)!, "Relaying denied"))
        case .unknownUser:
            return .reject(ReceptionRefusal(550, SMTPEnhancedStatusCode(5, 1, 1)!, "No such user here"))
        case .local(let accounts), .mixed(let accounts, _):
            let size = transaction.parameters.size ?? 0
            if let full = accounts.first(where: { Self.wouldExceedQuota($0, size: size) }) {
                return .defer(ReceptionRefusal(452, SMTPEnhancedStatusCode(4, 2, 2)!, "Mailbox full: \(full.address)"))
            }
            recipient.resolution = resolution
        }
        return .accept
    }

    /// RFC 5321 §4.5.1: `<Postmaster>` MUST be accepted; it goes to the postmaster of our host
    /// name's domain when that is local, else of the first local domain that has one.
    func postmaster(_ client: ReceptionClient) async throws -> (EmailAddress, RecipientResolution)? {
        var domains = try await store.domains().map(\.name)
        if let own = domains.firstIndex(where: { client.hostname == $0 || client.hostname.hasSuffix("." + $0) }) {
            domains.insert(domains.remove(at: own), at: 0)
        }
        for domain in domains {
            guard let address = try? EmailAddress("postmaster@\(domain)") else { continue }
            let resolution = try await store.resolveRecipient(address)
            switch resolution {
            case .local, .mixed: return (address, resolution)
            case .unknownUser, .notLocal: continue
            }
        }
        return nil
    }

    static func wouldExceedQuota(_ account: Account, size: Int) -> Bool {
        if let max = account.quota.maxMessages, account.usage.messages + 1 > max { return true }
        if let max = account.quota.maxBytes, account.usage.bytes + Int64(size) > max { return true }
        return false
    }
}
