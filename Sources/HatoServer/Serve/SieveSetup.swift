import LocalDelivery
import MailAuth
import MailStore

/// The Sieve filter local delivery runs (docs/sieve.md), when `[sieve] enabled` and the store
/// keeps scripts. Vacation responses are DKIM-signed like submitted mail when `[dkim] sign` is on.
enum SieveSetup {
    static func filter(_ settings: HatoConfig, store: any MailStore, signer: DKIMSubmissionSigner?) -> SieveFilter? {
        guard settings.sieve.enabled, let scripts = store as? any SieveStore else { return nil }
        var filter: SieveFilter
        if let signer {
            filter = SieveFilter(store: scripts, settings: settings.sieve.delivery, signReply: { message, account in
                let fields: String = await signer.signatureFields(for: DKIMMessage(message), account: account)
                return Array(fields.utf8) + message
            })
        } else {
            filter = SieveFilter(store: scripts, settings: settings.sieve.delivery)
        }
        filter.hostname = settings.hostname  // RFC 5183 "host" for mail that did not come over SMTP
        filter.version = HatoVersion.string
        return filter
    }
}
