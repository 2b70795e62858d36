// ARC sealing of forwarded mail (RFC 8617 §5.1): when an alias sends a message received on the
// MX listener to an address outside, the queued copy gets an ARC Set signed with the active DKIM
// key of the alias's domain, so the next hop can rely on the verdict recorded here.

import Foundation
import Logging
import MailAuth
import MailCore
import MailStore
import Reception
import SMTPServer

public struct ARCForwardSealer: ForwardSealer {
    public let keys: DKIMKeyManager
    /// authserv-id of the AAR: the host name, as in the Authentication-Results field written here.
    public let authservID: String
    public let logger: Logger

    public init(store: any DKIMKeyStore, authservID: String, logger: Logger = Logger(label: "hato.arc")) {
        self.keys = DKIMKeyManager(store: store)
        self.authservID = authservID
        self.logger = logger
    }

    /// Seals with the first forwarding alias's domain that has an active RSA key. A set has one
    /// algorithm (RFC 8617 §4.2.1; multi-algorithm ARC is only a draft) and rsa-sha256 is the one
    /// ARC validators check, so Ed25519 keys are not used. Without such a key, or when the
    /// incoming chain already failed, the copy is queued unsealed and the log says why.
    public func seal(_ message: [UInt8], results: String, chain: ARCResult, aliases: [EmailAddress]) async -> [UInt8] {
        var domains: [Domain] = []
        for alias in aliases where !domains.contains(alias.domain) { domains.append(alias.domain) }
        for domain in domains {
            let key: DKIMSigningKey?
            do {
                key = try await keys.signingKeys(domain: domain).first { $0.privateKey.algorithm == .rsaSHA256 }
            } catch {
                logger.error("ARC: could not read the DKIM keys", metadata: ["domain": "\(domain)", "error": "\(error)"])
                continue
            }
            guard let key else { continue }
            let sealer = ARCSealer(domain: key.domain, selector: key.selector, key: key.privateKey, authservID: authservID)
            do {
                let sealed = try sealer.sealed(message, results: results, chain: chain)
                logger.info("ARC sealed forwarded message", metadata: ["d": "\(key.domain)", "s": "\(key.selector)", "cv": "\(chain.rawValue)"])
                return sealed
            } catch {
                logger.notice("forwarded message not ARC-sealed", metadata: ["domain": "\(domain)", "reason": "\(error)"])
                return message
            }
        }
        logger.notice("forwarded message not ARC-sealed", metadata: [
            "aliases": "\(aliases.map(\.description).joined(separator: ","))",
            "reason": "no active RSA DKIM key for the alias domain (hato dkim keygen DOMAIN --selector S --algorithm rsa)",
        ])
        return message
    }
}
