// OPENPGPKEY records (RFC 7929, DANE for OpenPGP keys): each account's own certificate under
// `<SHA2-256 of the local part, first 28 octets, hex>._openpgpkey.<domain>`, for the operator to
// put in the zone (`hato pgp dns`). Printed in the RFC 3597 generic form, which every name server
// loads whether or not it knows the OPENPGPKEY type (61), as `gpg --export-options export-dane`
// prints it. Senders believe such a record only with DNSSEC (RFC 7929 §7).

import Crypto
import DNSMessage
import Foundation
import MailCore
import MailStore

/// One record publishing a mailbox's key or certificate (OPENPGPKEY, SMIMEA), for `hato pgp dns`
/// and `hato smime dns`.
public struct MailboxKeyRecord: Sendable {
    public var address: EmailAddress
    public var fingerprint: String
    public var record: DNSResourceRecord
}

public enum OpenPGPKeyRecords {
    public static let type = DNSRecordType(rawValue: 61)

    /// RFC 7929 §3: the local part in UTF-8 (NFC for non-ASCII, step 3), hashed with SHA2-256,
    /// truncated to 28 octets, in hex; then `_openpgpkey` and the domain.
    public static func ownerName(localPart: String, domain: Domain) -> String {
        hashedOwnerName(localPart: localPart, label: "_openpgpkey", domain: domain)
    }

    /// RFC 7929 §3 and RFC 8162 §3 name a mailbox's record the same way, with their own second
    /// label: the local part in UTF-8, NFC-normalized (step 3), SHA2-256, first 28 octets in hex.
    static func hashedOwnerName(localPart: String, label: String, domain: Domain) -> String {
        let normalized = localPart.precomposedStringWithCanonicalMapping
        let digest = Array(SHA256.hash(data: Array(normalized.utf8))).prefix(28)
        return digest.map { String(format: "%02x", $0) }.joined() + "." + label + "." + domain.name + "."
    }

    public typealias Entry = MailboxKeyRecord

    /// One record per account certificate (in `domain` when given), by address.
    public static func entries(_ certificates: [StoredOpenPGPCertificate], domain: Domain?, ttl: UInt32 = 3600) throws -> [Entry] {
        try certificates.compactMap { certificate -> Entry? in
            guard case .account(let address) = certificate.owner, domain == nil || address.domain == domain else { return nil }
            let name = try DNSName(ownerName(localPart: address.localPart, domain: address.domain))
            return Entry(address: address, fingerprint: certificate.fingerprint,
                         record: DNSResourceRecord(name: name, ttl: ttl, data: .unknown(type: type, bytes: certificate.data)))
        }.sorted { ($0.address.canonical, $0.fingerprint) < ($1.address.canonical, $1.fingerprint) }
    }
}
