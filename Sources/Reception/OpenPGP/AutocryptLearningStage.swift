// Learning correspondents' keys from the Autocrypt fields of incoming mail (Autocrypt Level 1,
// autocrypt.org/level1.html §2.3), per receiving account, for encrypting replies to them. A mail
// program learns from every message because its user sees what arrives; a server learns without
// anyone looking, so Hato is stricter than §2.3 (docs/openpgp.md#autocrypt):
// - only mail whose From domain passed DMARC (so the From address is the sender's own domain's
//   to use), arriving on the MX listener from outside, with exactly one From address;
// - the key must be an OpenPGP certificate RNP reads, valid, with a valid User ID for that exact
//   address and a key usable for encryption;
// - peers are created only from a valid field; a message without one moves `last_seen` of a peer
//   already known (§2.3), which is what marks a stale key (§2.4); peers per account are bounded.
// Mail that is not authenticated does not count at all, not even towards `last_seen`.

import Foundation
import LocalDelivery
import MailAuth
import MailCore
import MailMessage
import MailStore
import OpenPGP

public struct AutocryptLearningStage: ReceptionStage {
    public let store: any AutocryptPeerStore
    public let limits: OpenPGPLimits
    /// The most peers remembered per account (`openpgp.autocrypt_peers`).
    public let peersPerAccount: Int
    public var name: String { "autocrypt-learning" }
    public var phases: ReceptionPhases { .message }

    public init(store: any AutocryptPeerStore, limits: OpenPGPLimits, peersPerAccount: Int) {
        self.store = store
        self.limits = limits
        self.peersPerAccount = peersPerAccount
    }

    public func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction,
                        client: ReceptionClient) async -> ReceptionVerdict {
        guard client.isInbound, message.authentication?.dmarc.result == .pass else { return .accept }
        let parsed = message.content.parsed
        let from = parsed.header.from.mailboxes
        // §2.3: "If the From header contains more than one address, the MUA SHOULD NOT update"; reports are ignored.
        guard from.count == 1, parsed.root.contentType.mimeType.lowercased() != "multipart/report" else { return .accept }
        let address = "\(from[0].address)".lowercased()
        let accounts = Set(transaction.recipients.flatMap { recipient -> [EmailAddress] in
            switch recipient.resolution {
            case .local(let accounts), .mixed(let accounts, _): accounts.map(\.address)
            default: []
            }
        })
        guard !accounts.isEmpty else { return .accept }
        let now = Date()
        // §2.3 "effective date": the Date field, but never in the future.
        let seen = min(parsed.header.date?.date ?? now, now)
        let key = AutocryptField.key(in: parsed.header.fields(named: AutocryptStage.fieldName).map(\.value), for: address, limits: limits)
            .map { AutocryptKey(fingerprint: $0.certificate.fingerprint, data: $0.certificate.data, preferEncrypt: $0.preferEncrypt) }
        for account in accounts.sorted(by: { $0.canonical < $1.canonical }) where account.canonical != address {
            do {
                try await store.recordAutocrypt(account: account, address: address, seen: seen, key: key, limit: peersPerAccount)
            } catch {
                client.logger.error("autocrypt: peer state not recorded", metadata: ["account": "\(account)", "error": "\(error)"])
            }
        }
        if key != nil { client.logger.info("autocrypt key seen", metadata: ["from": "\(address)", "id": "\(transaction.id)"]) }
        return .accept
    }
}
