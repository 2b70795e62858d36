// OpenPGP encryption at rest (issue 21, docs/openpgp.md "Encryption at rest"): an account that
// opted in (`hato pgp at-rest ACCOUNT on`) has each delivered message stored as an RFC 3156 §4
// multipart/encrypted message to its own certificates. As with S/MIME at rest (SMIMEAtRest), the
// whole original header goes inside with the content and only `openpgp.at_rest_headers` stay
// outside, for ENVELOPE, SEARCH and message lists; the body cannot be searched on the server.

import Foundation
import LocalDelivery
import MailMessage
import MailStore
import OpenPGP
import Reception

public struct OpenPGPAtRest: AtRestEncryption {
    public let store: any MailStore
    /// Field names (lower-cased) kept in clear above the encrypted entity.
    public let outerFields: Set<String>
    public let limits: OpenPGPLimits

    public init(store: any MailStore, outerFields: [String], limits: OpenPGPLimits) {
        self.store = store
        self.outerFields = Set(outerFields.map { $0.lowercased() })
        self.limits = limits
    }

    public func storedForm(_ message: ReceivedMessage, for account: Account) async -> AtRestForm {
        guard account.openpgpAtRest else { return .plain }
        let bytes = message.bytes
        let parsed = MIMEMessage(parsing: bytes)
        // Already encrypted (PGP/MIME or S/MIME, by the sender or by S/MIME at rest): not wrapped twice.
        if SMIMEAtRest.isEncrypted(parsed) { return .plain }
        let certificates: [OpenPGPCertificate]
        do {
            certificates = OpenPGPStoreKeyring.usable(try await store.openPGPCertificates(account: account.address), limits: limits, address: nil)
        } catch {
            return .refused("reading the account's certificates: \(error)")
        }
        guard !certificates.isEmpty else { return .refused("no valid OpenPGP certificate that can encrypt (hato pgp import)") }
        do {
            return .sealed(try PGPMIMEComposer.encrypted(SMIMEAtRest(store: store, outerFields: Array(outerFields)).split(parsed, bytes),
                                                         to: certificates, limits: limits))
        } catch {
            return .refused("\(error)")
        }
    }
}

/// Both kinds of encryption at rest, for accounts that turned on one or both: OpenPGP first,
/// then S/MIME (docs/openpgp.md "With S/MIME"). A message OpenPGP sealed is encrypted already,
/// so S/MIME leaves it; if OpenPGP cannot seal it (no usable certificate) and S/MIME at rest is
/// on, S/MIME seals it rather than failing the delivery.
public struct CombinedAtRest: AtRestEncryption {
    public let openpgp: OpenPGPAtRest
    public let smime: SMIMEAtRest

    public init(openpgp: OpenPGPAtRest, smime: SMIMEAtRest) {
        self.openpgp = openpgp
        self.smime = smime
    }

    public func storedForm(_ message: ReceivedMessage, for account: Account) async -> AtRestForm {
        let first = await openpgp.storedForm(message, for: account)
        if case .refused = first, account.smimeAtRest { return await smime.storedForm(message, for: account) }
        if case .plain = first, !account.openpgpAtRest { return await smime.storedForm(message, for: account) }
        return first
    }
}
