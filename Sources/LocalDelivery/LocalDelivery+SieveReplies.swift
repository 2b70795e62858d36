import Foundation
import Logging
import MailCore
import MailMessage
import MailStore
import SieveProtocol

/// Queuing what a script sends: vacation responses and rejections go through the outbound
/// queue with the null reverse-path, so a bounce of them can never start a loop (RFC 3834 §3.3).
extension LocalDelivery {
    func sendVacation(_ reply: SieveVacationReply, request: DeliveryRequest, account: Account, sieve: SieveFilter) async {
        let sender = request.mailFrom?.canonical ?? ""
        if let refusal = SieveReplies.vacationRefusal(header: request.message.header, sender: sender,
                                                      recipient: account.address.canonical, addresses: reply.addresses) {
            logger.info("sieve: no vacation response", metadata: ["to": "\(account.address)", "why": "\(refusal)"])
            return
        }
        guard let target = request.mailFrom else { return }
        let now = Date()
        do {
            // RFC 5230 §4.1-4.2: once per sender and handle per period; checked and recorded at once.
            guard try await sieve.store.claimVacationReply(account: account.id, sender: sender, handle: reply.handle, at: now,
                                                           notBefore: now.addingTimeInterval(-TimeInterval(reply.period))) else {
                logger.info("sieve: vacation response already sent in this period", metadata: ["to": "\(account.address)"])
                return
            }
            var bytes = SieveReplies.vacationMessage(reply, original: request.message.header, sender: target.description,
                                                     recipient: account.address.description, date: now)
            if let sign = sieve.signReply { bytes = await sign(bytes, account) }
            let id = try await store.enqueue(OutboundMessage(bytes: bytes, mailFrom: nil, recipients: [QueuedRecipient(address: target)],
                                                             smtpUTF8: request.smtpUTF8))
            logger.info("sieve: vacation response queued", metadata: ["to": "\(account.address)", "queue": "\(id)"])
        } catch {
            logger.notice("sieve: vacation response not queued", metadata: ["to": "\(account.address)", "error": "\(error)"])
        }
    }

    func sendRejection(reason: String, request: DeliveryRequest, account: Account, hostname: String?) async {
        guard let target = request.mailFrom else {
            // RFC 5429 §2.1.2: nothing can be returned to the null reverse-path; the message is dropped.
            logger.info("sieve: reject of a message from the null sender: discarded", metadata: ["to": "\(account.address)"])
            return
        }
        let bytes = SieveRejection.message(reason: reason, original: request.message, sender: target.description,
                                           recipient: account.address.description, hostname: request.serverHost ?? hostname, date: Date())
        do {
            let id = try await store.enqueue(OutboundMessage(bytes: bytes, mailFrom: nil, recipients: [QueuedRecipient(address: target)],
                                                             smtpUTF8: request.smtpUTF8))
            logger.info("sieve: rejection queued", metadata: ["to": "\(account.address)", "queue": "\(id)"])
        } catch {
            logger.notice("sieve: rejection not queued", metadata: ["to": "\(account.address)", "error": "\(error)"])
        }
    }
}
