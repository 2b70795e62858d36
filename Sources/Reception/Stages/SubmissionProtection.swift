// What the OpenPGP and S/MIME submission stages share once each has chosen its keys
// (docs/openpgp.md and docs/smime.md "Signing and encrypting on submission"): find the
// recipients' certificates, then split the message (with RFC 9788 header protection when asked),
// sign, encrypt the signed entity (RFC 3156 §6.1, RFC 8551 §3.7), and log. The format-specific
// steps come in as closures, so this file knows neither OpenPGP nor CMS.

import Logging
import MailCore
import MailMessage

enum SubmissionProtection {
    /// Each recipient's certificate from `lookup`, and the addresses that have none.
    static func certificates<Certificate>(for recipients: [EmailAddress],
                                          lookup: (EmailAddress) async throws -> Certificate?)
        async rethrows -> (found: [Certificate], missing: [EmailAddress]) {
        var found: [Certificate] = [], missing: [EmailAddress] = []
        for recipient in recipients {
            if let certificate = try await lookup(recipient) { found.append(certificate) } else { missing.append(recipient) }
        }
        return (found, missing)
    }

    /// `message` signed and/or encrypted. `sign` gets the split message and returns the whole
    /// signed message; `encrypt` gets the split (the signed one when both) and returns the whole
    /// encrypted message. `headerProtection`: RFC 9788 (SMIMEComposer.protectingHeader), with
    /// hp="cipher" and hcp_baseline outside when encrypting. `payloadFields` (complete fields with
    /// their CRLFs) go at the top of the root of the encrypted payload (Autocrypt-Gossip,
    /// Autocrypt Level 1 §2.7); ignored when not encrypting.
    static func compose(_ message: [UInt8], headerProtection: Bool, payloadFields: [UInt8] = [],
                        sign: ((SMIMEComposer.Split) throws -> [UInt8])?,
                        encrypt: ((SMIMEComposer.Split) throws -> [UInt8])?) throws -> [UInt8] {
        var split = headerProtection ? SMIMEComposer.protectingHeader(message, confidential: encrypt != nil)
                                     : SMIMEComposer.split(message)
        if let sign {
            let signed = try sign(split)
            guard encrypt != nil else { return signed }
            split = SMIMEComposer.split(signed)
        }
        guard let encrypt else { return split.entity }
        split.entity = payloadFields + split.entity
        return try encrypt(split)
    }

    /// Logs what was done: `label` ("openpgp", "smime"), whether signed, how many keys encrypted to.
    static func log(_ label: String, client: ReceptionClient, transaction: ReceptionTransaction, signed: Bool, encryptedTo: Int) {
        client.logger.info("\(label)", metadata: ["id": "\(transaction.id)", "signed": "\(signed)", "encrypted-to": "\(encryptedTo)"])
    }

    /// `items` without repeats of the same `key` (a certificate found for two recipients, or the
    /// sender's own among them), first occurrence kept.
    static func unique<Item, Key: Hashable>(_ items: [Item], by key: (Item) -> Key) -> [Item] {
        var seen = Set<Key>()
        return items.filter { seen.insert(key($0)).inserted }
    }
}
