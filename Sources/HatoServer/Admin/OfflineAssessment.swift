import Foundation
import LocalDelivery
import Logging
import MailAuth
import MailCore
import MailMessage
import MailStore
import Reception
import RiskAssessment
import SMTPProtocol

/// `hato message assess`: the MX listener's risk assessment on a message file, with the same
/// context the stage reads from the store when there is one (our domains, the recipient's
/// correspondents, local users' names, DMARC history) and the `[risk]` settings.
public enum OfflineAssessment {
    public static func run(_ bytes: [UInt8], settings: HatoConfig?, store: (any MailStore)?, recipients: [EmailAddress],
                           mailFrom: EmailAddress?, clientIP: String?, helo: String?, authentication: InboundVerdict?,
                           logger: Logger = Logger(label: "hato.assess")) async -> RiskReport {
        let suffixes = settings.flatMap { $0.risk.loadSuffixes() } ?? PublicSuffixList(contentsOf: PublicSuffixList.debianPath)
            ?? .defaultRuleOnly
        var policy = settings.flatMap { $0.risk.stagePolicy(suffixes: suffixes) }
            ?? RiskStagePolicy(assessor: RiskAssessor(policy: RiskPolicy(), suffixes: suffixes))
        if let settings, !settings.risk.assess {
            policy = RiskStagePolicy(assessor: RiskAssessor(policy: settings.risk.policy, suffixes: suffixes))
        }
        var message = ReceptionMessage(content: ReceivedMessage(bytes: bytes, limits: settings?.limits.messageLimits ?? .default))
        message.authentication = authentication
        var transaction = ReceptionTransaction(id: "assess", mailFrom: mailFrom, parameters: SMTPMailParameters())
        var client = ReceptionClient(hostname: settings?.hostname ?? "localhost", listener: .mx, remoteIP: clientIP ?? "", logger: logger)
        client.helo = helo
        var context: RiskContext
        if let store {
            for address in recipients {
                let resolution = (try? await store.resolveRecipient(address)) ?? .notLocal
                transaction.recipients.append(AcceptedRecipient(address: address, resolution: resolution))
            }
            let stage = RiskStage(policy: policy, store: store)
            context = await stage.context(message, transaction: transaction, client: client,
                                          accounts: RiskStage.localAccounts(transaction), inbound: true)
        } else {
            context = RiskContext()
            context.mailFrom = mailFrom?.description
            context.recipients = recipients.map(\.description)
            context.clientIP = clientIP
            context.helo = helo
            context.partnerDomains = policy.partnerDomains
            context.vips = policy.vips
            context.authentication = authentication.map(RiskAuthentication.init)
            // Without a store, the recipients' domains are ours.
            context.ourDomains = recipients.map(\.domain.name)
        }
        return policy.assessor.assess(message.content.parsed, context: context)
    }
}

extension Admin {
    /// Delivers a quarantined message to its recipients as they resolve now (local mailboxes,
    /// remote ones through the queue) and removes it from the quarantine.
    public func releaseQuarantined(_ id: Int64) async throws -> [RecipientDelivery] {
        guard let held = try await store.quarantinedMessage(id) else { throw MailStoreError.quarantinedMessageNotFound(id) }
        let bytes = try await store.readBody(held.body)
        var recipients: [AcceptedRecipient] = []
        for address in held.recipients {
            recipients.append(AcceptedRecipient(address: address, resolution: try await store.resolveRecipient(address)))
        }
        let request = DeliveryRequest(mailFrom: held.mailFrom, recipients: recipients,
                                      message: ReceivedMessage(bytes: bytes, limits: config.limits.messageLimits))
        let outcomes = await LocalDelivery(store: store).deliver(request)
        let reached = outcomes.contains { outcome in
            switch outcome {
            case .delivered(let accounts): !accounts.isEmpty
            case .queued: true
            case .failed: false
            }
        }
        if reached { try await store.removeQuarantined(id) }
        return outcomes
    }
}
