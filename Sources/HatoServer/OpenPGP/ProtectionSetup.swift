// The end-to-end protection stages of `hato serve`: OpenPGP and S/MIME on submission, before
// DKIM signs (RFC 6376 §5), and both kinds of encryption at rest — OpenPGP first in each, so an
// account with both gets OpenPGP (docs/openpgp.md "With S/MIME").

import Logging
import MailStore
import Reception

enum ProtectionSetup {
    static func submissionStages(_ settings: HatoConfig, store: any MailStore, logger: Logger) -> [any ReceptionStage] {
        var stages: [any ReceptionStage] = []
        if settings.openpgp.policies.isActive {
            stages.append(OpenPGPSubmissionStage(keyring: OpenPGPStoreKeyring(
                store: store, dataDirectory: settings.dataDirectory, policies: settings.openpgp.policies, limits: settings.openpgp.limits,
                locator: OpenPGPKeyLocator.configured(settings, store: store, logger: logger),
                headerProtection: settings.openpgp.headerProtection, autocryptGossip: settings.openpgp.autocryptGossip)))
        }
        if settings.smime.policies.isActive {
            let keyring = SMIMEStoreKeyring(store: store, dataDirectory: settings.dataDirectory, policies: settings.smime.policies,
                                            resolver: settings.smime.smimeaLookup ? DNSSetup.resolver(settings, logger: logger) : nil,
                                            rsaPSS: settings.smime.rsaPSS, contentCipher: settings.smime.contentCipher,
                                            headerProtection: settings.smime.headerProtection)
            stages.append(SMIMESubmissionStage(keyring: OpenPGPFirstSMIMEKeyring(base: keyring, openpgp: settings.openpgp.policies)))
        }
        return stages
    }

    static func atRest(_ settings: HatoConfig, store: any MailStore) -> CombinedAtRest {
        CombinedAtRest(
            openpgp: OpenPGPAtRest(store: store, outerFields: settings.openpgp.atRestHeaders, limits: settings.openpgp.limits),
            smime: SMIMEAtRest(store: store, outerFields: settings.smime.atRestHeaders, cipher: settings.smime.contentCipher))
    }
}
