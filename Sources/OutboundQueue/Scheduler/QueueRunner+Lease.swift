import Foundation
import MailStore

extension QueueRunner {
    /// The part of an admitted batch this node may work: the recipients the store leased to it
    /// (`QueueStore.claim`; docs/scaling.md, "Shared queue"). Keys it did not get leave the
    /// in-flight set; a batch left empty gives its connection slot back.
    func claimed(_ items: [DeliveryBatch.Item], keys: [RecipientKey], now: Date, destination: String) async -> [DeliveryBatch.Item] {
        var got: Set<QueueRecipientKey> = []
        do {
            got = try await store.claim(keys.map { QueueRecipientKey(message: $0.message, address: $0.address) },
                                        owner: configuration.leaseOwner, lease: configuration.lease, now: now)
        } catch {
            logger.error("cannot lease queue entries", metadata: ["error": "\(error)"])
        }
        let kept = items.compactMap { item -> DeliveryBatch.Item? in
            let recipients = item.recipients.filter { got.contains(QueueRecipientKey(message: item.message.id, address: $0.address)) }
            return recipients.isEmpty ? nil : DeliveryBatch.Item(message: item.message, recipients: recipients)
        }
        let lost = keys.filter { !got.contains(QueueRecipientKey(message: $0.message, address: $0.address)) }
        state.withLock { state in
            state.inFlight.subtract(lost)
            if kept.isEmpty {
                state.totalConnections -= 1
                state.connections[destination, default: 1] -= 1
                if state.connections[destination] == 0 { state.connections[destination] = nil }
            }
        }
        return kept
    }

    /// Keeps the batch's leases alive while it is delivered: every third of `lease` they are
    /// extended by a whole `lease`, so a slow delivery (a peer that takes minutes per message,
    /// a large batch) is not taken over by another node halfway (docs/scaling.md). Cancelled
    /// when the batch ends; a node that dies stops renewing and its leases run out as before.
    func leaseRenewal(_ keys: [RecipientKey]) -> Task<Void, Never> {
        let store = self.store, owner = configuration.leaseOwner, lease = configuration.lease, logger = self.logger
        let recipients = keys.map { QueueRecipientKey(message: $0.message, address: $0.address) }
        return Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: lease / 3)
                guard !Task.isCancelled else { return }
                do {
                    _ = try await store.renewLeases(recipients, owner: owner, lease: lease, now: Date())
                } catch {
                    logger.warning("cannot renew queue leases", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
