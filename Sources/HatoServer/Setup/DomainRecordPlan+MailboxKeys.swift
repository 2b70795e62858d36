// Accounts' own key records in the domain plan: OPENPGPKEY (RFC 7929) for each account's OpenPGP
// certificate and SMIMEA (RFC 8162) for each S/MIME certificate, the same records `hato pgp dns`
// and `hato smime dns` print, so `hato check dns` says whether they are published.

import MailCore
import MailStore

extension DomainRecordPlan {
    /// The OPENPGPKEY and SMIMEA records of `domain`'s accounts, from the store.
    public static func mailboxKeys(store: any MailStore, domain: Domain) async throws -> [MailboxKeyRecord] {
        try OpenPGPKeyRecords.entries(try await store.openPGPCertificates(account: nil), domain: domain, ttl: ttl)
            + SMIMEARecords.entries(try await store.smimeCertificates(account: nil), domain: domain, ttl: ttl)
    }
}
