// Autocrypt Level 1 §2.7 "Key gossip" (autocrypt.org/level1.html): in a message encrypted to more
// than one recipient, the root of the encrypted payload carries one `Autocrypt-Gossip: addr=...;
// keydata=...` field per recipient, so every recipient learns the others' keys and can reply to
// all of them encrypted. Only recipients the message names in To or Cc are gossiped: a Bcc
// recipient's key would tell the others that they got it. No prefer-encrypt attribute (§2.7).
// Hato does not learn keys from gossip it receives: the fields are inside the encryption, which
// only the recipient's secret key opens (docs/openpgp.md "Autocrypt-Gossip").

import MailCore
import MailMessage
import OpenPGP

enum AutocryptGossip {
    static let fieldName = "Autocrypt-Gossip"

    /// The fields (each with its CRLF) for `recipients` named in To or Cc of `header`, other than
    /// the sender; none unless at least two are ("messages with more than one recipient", §2.7).
    static func fields(_ header: HeaderSection, recipients: [(address: EmailAddress, certificate: OpenPGPCertificate)],
                       sender: EmailAddress) -> [UInt8] {
        let named = Set((header.to + header.cc).mailboxes.compactMap { (try? EmailAddress($0.address))?.canonical })
        var seen = Set<String>()
        let gossiped = recipients.filter {
            named.contains($0.address.canonical) && $0.address.canonical != sender.canonical && seen.insert($0.address.canonical).inserted
        }
        guard gossiped.count > 1 else { return [] }
        return gossiped.flatMap {
            Array(AutocryptStage.field(address: $0.address.canonical, keydata: $0.certificate.data, name: fieldName).utf8)
        }
    }
}
