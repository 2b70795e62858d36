import Foundation
import LocalDelivery
import Logging
import MailCore
import MailStore

/// Delivers a DSN to the envelope sender of the message it reports on, always with the null
/// reverse-path (RFC 5321 §4.5.5, so a failing bounce is never bounced): into the local INBOX
/// when the sender is ours, into the outbound queue otherwise.
public struct BounceSender: Sendable {
    public let store: any MailStore
    public let hostname: String
    public let logger: Logger

    public init(store: any MailStore, hostname: String, logger: Logger) {
        self.store = store
        self.hostname = hostname
        self.logger = logger
    }

    public enum Outcome: Sendable, Equatable {
        case deliveredLocally, queued(QueueMessageID)
        /// The sender's domain is ours but the address no longer exists: nobody to tell (logged).
        case noSuchSender
    }

    /// Throws when the DSN could not be stored; the caller keeps the recipient queued then.
    @discardableResult
    /// `requireTLS`: the bounced message had REQUIRETLS; the bounce carries it too (RFC 8689 §5).
    public func send(_ dsn: [UInt8], to sender: EmailAddress, smtpUTF8: Bool = false, requireTLS: Bool = false) async throws -> Outcome {
        let trace = "Received: by \(hostname) (Hato) id dsn; \(DeliveryStatusNotification.rfc5322Date(Date()))\r\n"
        let eightBit = dsn.contains { $0 >= 0x80 }
        let resolution = try await store.resolveRecipient(sender)
        switch resolution {
        case .notLocal:
            let id = try await store.enqueue(OutboundMessage(
                bytes: Array(trace.utf8) + dsn, mailFrom: nil,
                recipients: [QueuedRecipient(address: sender, dsn: DSNRequest(notify: .never, originalRecipient: OriginalRecipient(rfc822: sender)))],
                smtpUTF8: smtpUTF8, bodyType: eightBit ? "8BITMIME" : nil, tlsRequirement: requireTLS ? .required : .policy))
            logger.info("bounce queued", metadata: ["to": "\(sender)", "queue-id": "\(id)"])
            return .queued(id)
        case .unknownUser:
            logger.warning("bounce dropped: the sender address does not exist here", metadata: ["to": "\(sender)"])
            return .noSuchSender
        case .local, .mixed:
            let results = await LocalDelivery(store: store, logger: logger).deliver(DeliveryRequest(
                mailFrom: nil, recipients: [AcceptedRecipient(address: sender, resolution: resolution, dsn: DSNRequest(notify: .never))],
                traceHeaders: trace, message: dsn, smtpUTF8: smtpUTF8, bodyType: eightBit ? "8BITMIME" : nil))
            if case .failed(let error)? = results.first { throw error }
            logger.info("bounce delivered", metadata: ["to": "\(sender)"])
            return .deliveredLocally
        }
    }
}
