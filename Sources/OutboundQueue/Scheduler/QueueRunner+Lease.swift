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
}
