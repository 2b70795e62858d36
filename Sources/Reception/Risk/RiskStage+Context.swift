// What the risk stage reads from the store for one message: our domains, the local recipients'
// correspondents, local users' names, the DMARC history of the From domain; and what it writes
// back: the correspondents record.

import Foundation
import MailCore
import MailMessage
import MailStore
import RiskAssessment

extension RiskStage {
    /// At most this many local recipients' correspondents are read for one message.
    static let maxAccountsRead = 20

    public func context(_ message: ReceptionMessage, transaction: ReceptionTransaction, client: ReceptionClient,
                 accounts: [Account], inbound: Bool) async -> RiskContext {
        var context = RiskContext()
        context.inbound = inbound
        context.mailFrom = transaction.mailFrom?.description
        context.recipients = transaction.recipients.map(\.address.description)
        context.clientIP = client.remoteIP
        context.helo = client.helo
        context.partnerDomains = policy?.partnerDomains ?? []
        context.vips = policy?.vips ?? []
        context.authentication = message.authentication.map(RiskAuthentication.init)
        context.externalSignals = message.spamSignals
        do {
            context.ourDomains = try await store.domains().map(\.name)
            context.localUsers = try await memory.localUsers {
                try await store.ownNames(limit: 10_000).compactMap { entry in
                    entry.displayName.map { KnownPerson(name: $0, address: entry.address.description) }
                }
            }
            let read = accounts.prefix(Self.maxAccountsRead)
            if read.count == 1, let account = read.first {
                context.correspondents = try await correspondents(of: account.id)
            } else {
                var byAddress: [String: KnownCorrespondent] = [:]
                for account in read {
                    for entry in try await correspondents(of: account.id) {
                        var known = byAddress[entry.address] ?? KnownCorrespondent(address: entry.address, name: entry.name, messages: 0)
                        known.messages += entry.messages
                        byAddress[entry.address] = known
                    }
                }
                context.correspondents = byAddress.values.sorted { $0.messages > $1.messages }
            }
            if let auth = context.authentication, auth.dmarc != "pass", auth.dmarc != "fail", let domain = auth.fromDomain {
                context.authorDomainUsuallyPasses = try await usuallyPasses(domain)
            }
        } catch {
            client.logger.warning("risk: could not read the store; assessing without it", metadata: ["error": "\(error)"])
        }
        return context
    }

    /// `account`'s correspondents, most messages first (kept in `memory` between messages).
    func correspondents(of account: AccountID) async throws -> [KnownCorrespondent] {
        let limit = correspondentLimit
        return try await memory.correspondents(of: account) {
            try await store.correspondents(of: account, limit: limit).map {
                KnownCorrespondent(address: $0.address.canonical, name: $0.displayName, messages: $0.messages)
            }
        }
    }

    var correspondentLimit: Int { policy?.correspondentLimit ?? 1000 }

    /// The From domain passed DMARC at least three times in the last 30 days and more often than not.
    func usuallyPasses(_ domain: String) async throws -> Bool {
        let now = Date()
        let count = try await store.dmarcPassCount(headerFrom: domain, from: now.addingTimeInterval(-30 * 86_400), to: now)
        return count.passes >= 3 && count.passes * 2 > count.evaluations
    }

    /// Mail an account sends makes its recipients correspondents; its From display name is the
    /// user's own name (for display-name impersonation).
    func recordSubmission(_ header: HeaderSection, account: Account, transaction: ReceptionTransaction, client: ReceptionClient) async {
        let named = (header.to + header.cc).mailboxes
        var exchanges: [Correspondence] = []
        for recipient in transaction.recipients where recipient.address.canonical != account.address.canonical {
            let name = named.first { $0.address.lowercased() == recipient.address.canonical }?.displayName
            exchanges.append(Correspondence(account: account.id, address: recipient.address, displayName: name, direction: .sent))
        }
        if let from = header.from.mailboxes.first, from.address.lowercased() == account.address.canonical,
           let name = from.displayName, !name.isEmpty {
            exchanges.append(Correspondence(account: account.id, address: account.address, displayName: name, direction: .own))
        }
        await record(exchanges, client: client)
    }

    /// Mail from someone an account already writes to counts as a reply in that thread.
    func recordReply(_ header: HeaderSection, accounts: [Account], known: [KnownCorrespondent], client: ReceptionClient) async {
        guard let from = header.from.mailboxes.first, let address = try? EmailAddress(from.address),
              case let canonical = address.canonical, known.contains(where: { $0.address == canonical }) else { return }
        var exchanges: [Correspondence] = []
        for account in accounts.prefix(Self.maxAccountsRead) {
            guard let entries = try? await correspondents(of: account.id),
                  entries.contains(where: { $0.address == canonical }) else { continue }
            exchanges.append(Correspondence(account: account.id, address: address, displayName: from.displayName, direction: .received))
        }
        await record(exchanges, client: client)
    }

    func record(_ exchanges: [Correspondence], client: ReceptionClient) async {
        guard !exchanges.isEmpty else { return }
        do {
            try await store.recordCorrespondence(exchanges, at: Date())
            memory.recorded(exchanges, limit: correspondentLimit)
        } catch {
            client.logger.warning("risk: could not record correspondents", metadata: ["error": "\(error)"])
        }
    }
}
