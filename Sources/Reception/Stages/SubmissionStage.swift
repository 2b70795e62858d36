// What a submission server does with mail from its own users (RFC 6409 §8, §4): complete the
// message and keep users to the sender addresses they own.

import Foundation
import MailCore
import MailMessage
import MailStore
import SMTPProtocol

/// For authenticated clients: the envelope sender (at MAIL) and every originator field of the
/// header — From, Sender, Resent-From, Resent-Sender (RFC 5322 §3.6.2, §3.6.6) — must be
/// addresses the account may use (`SenderPolicy`); then Date and Message-ID are added when
/// missing (RFC 6409 §8.2, §8.3) and Bcc is removed (§8.1, the envelope carries it).
public struct SubmissionStage: ReceptionStage {
    public let store: any MailStore
    public var name: String { "submission" }
    public var phases: ReceptionPhases { [.mailFrom, .message] }

    /// The header fields that name who wrote or sent (resent) the message.
    static let originatorFields = ["From", "Sender", "Resent-From", "Resent-Sender"]

    public init(store: any MailStore) { self.store = store }

    public func mailFrom(_ transaction: inout ReceptionTransaction, client: ReceptionClient) async -> ReceptionVerdict {
        guard let account = client.account, let sender = transaction.mailFrom else { return .accept }
        guard await SenderPolicy.mayUse(sender, account: account, store: store) else {
            return .reject(ReceptionRefusal(553, SMTPEnhancedStatusCode(5, 7, 1)!, "Sender address <\(sender)> does not belong to \(account.address)"))
        }
        return .accept
    }

    public func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction,
                        client: ReceptionClient) async -> ReceptionVerdict {
        guard let account = client.account else { return .accept }
        let header = message.content.parsed.header
        for name in Self.originatorFields {
            for field in header.fields(named: name) {
                for mailbox in AddressParser.parseList(field.unfoldedValue).mailboxes {
                    let text = "\(mailbox.localPart)@\(mailbox.domain ?? "")"
                    guard let address = try? EmailAddress(text), await SenderPolicy.mayUse(address, account: account, store: store) else {
                        return .reject(ReceptionRefusal(550, SMTPEnhancedStatusCode(5, 7, 1)!,
                                                        "Header \(name) <\(TraceHeaders.sanitize(text))> does not belong to \(account.address)"))
                    }
                }
            }
        }
        message.content.removeReceivedFields { $0.hasName("Bcc") }
        var added = ""
        if header.field("Date") == nil { added += "Date: \(TraceHeaders.rfc5322Date(Date()))\r\n" }
        if header.field("Message-ID") == nil { added += "Message-ID: <\(UUID().uuidString.lowercased())@\(client.hostname)>\r\n" }
        return added.isEmpty ? .accept : .tag([.header(added)])
    }
}

/// Which envelope and header senders an authenticated user may use: the account's
/// `SenderAddressPolicy` (`hato account sender-policy`).
public enum SenderPolicy {
    /// `own`: their own address (also with +tag), or an alias address that delivers to them;
    /// `domain`: any address of their domain; `any`: anything.
    public static func mayUse(_ sender: EmailAddress, account: Account, store: any MailStore) async -> Bool {
        switch account.senderPolicy {
        case .any: return true
        case .domain: if sender.domain == account.address.domain { return true }
        case .own: break
        }
        let own = account.address.canonical
        if sender.canonical == own || sender.removingSubaddress()?.canonical == own { return true }
        for candidate in [sender, sender.removingSubaddress()].compactMap({ $0 }) {
            if let alias = try? await store.alias(.address(candidate)), alias.targets.contains(where: { $0.canonical == own }) {
                return true
            }
        }
        return false
    }
}
