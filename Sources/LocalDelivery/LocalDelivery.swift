import Foundation
import Logging
import MailCore
import MailStore

/// One envelope recipient accepted at RCPT, with where it resolved to then.
public struct AcceptedRecipient: Sendable, Equatable {
    public let address: EmailAddress
    public let resolution: RecipientResolution
    /// RFC 3461 NOTIFY and ORCPT, passed on to the queue for remote delivery.
    public let notify: String?
    public let originalRecipient: String?

    public init(address: EmailAddress, resolution: RecipientResolution, notify: String? = nil, originalRecipient: String? = nil) {
        self.address = address
        self.resolution = resolution
        self.notify = notify
        self.originalRecipient = originalRecipient
    }
}

/// A received message and its envelope, ready to deliver.
public struct DeliveryRequest: Sendable {
    /// nil is the null reverse-path `<>`.
    public var mailFrom: EmailAddress?
    public var recipients: [AcceptedRecipient]
    /// Trace fields the receiving server prepends (RFC 5321 §4.4 Received), CRLF-terminated.
    public var traceHeaders: String
    public var message: [UInt8]
    public var envelopeID: String?
    public var returnContent: String?
    public var smtpUTF8: Bool
    public var bodyType: String?
    /// Local copies go to each account's Junk mailbox (special use \Junk, RFC 6154) with the
    /// `$Junk` keyword (RFC 5788) instead of INBOX, e.g. for a DMARC quarantine policy.
    public var quarantine = false
    /// Seals the one queued copy for remote alias targets (RFC 8617 §5.1 ARC, set on the MX
    /// listener with the inbound verdict); given that copy and the aliases that forward outside,
    /// returns it sealed, or unchanged when there is nothing to seal with. Local copies are never sealed.
    public var sealRemoteCopy: (@Sendable (_ copy: [UInt8], _ aliases: [EmailAddress]) async -> [UInt8])?

    public init(mailFrom: EmailAddress?, recipients: [AcceptedRecipient], traceHeaders: String, message: [UInt8],
                envelopeID: String? = nil, returnContent: String? = nil, smtpUTF8: Bool = false, bodyType: String? = nil) {
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.traceHeaders = traceHeaders
        self.message = message
        self.envelopeID = envelopeID
        self.returnContent = returnContent
        self.smtpUTF8 = smtpUTF8
        self.bodyType = bodyType
    }
}

/// What happened to one envelope recipient.
public enum RecipientDelivery: Sendable, Equatable {
    /// Stored in these accounts' INBOXes.
    case delivered([EmailAddress])
    /// Some or all of it goes outside: queued for outbound delivery (local parts delivered too).
    case queued(QueueMessageID, local: [EmailAddress])
    /// Nothing stored for this recipient (e.g. every target mailbox over quota).
    case failed(MailStoreError)
}

/// The mail delivery agent: appends to local INBOXes and hands remote recipients to the queue.
///
/// Each local account gets its own copy with `Return-Path` (RFC 5321 §4.4, from the envelope
/// sender) and `Delivered-To` on top; an account reached through several recipients (aliases,
/// `+tag`) is delivered to once. Remote recipients share one queued copy with only the trace
/// headers added. Every append and the enqueue are durable before `deliver` returns.
public struct LocalDelivery: Sendable {
    public let store: any MailStore
    public let logger: Logger

    public init(store: any MailStore, logger: Logger = Logger(label: "hato.delivery")) {
        self.store = store
        self.logger = logger
    }

    public func deliver(_ request: DeliveryRequest) async -> [RecipientDelivery] {
        var accountOutcome: [EmailAddress: Result<Void, MailStoreError>] = [:]
        var remote: [QueuedRecipient] = []
        var forwardingAliases: [EmailAddress] = []
        for recipient in request.recipients {
            let (local, outside) = Self.targets(recipient.resolution)
            for account in local where accountOutcome[account.address] == nil {
                accountOutcome[account.address] = await appendToInbox(account, request)
            }
            if !outside.isEmpty, !forwardingAliases.contains(recipient.address) { forwardingAliases.append(recipient.address) }
            for address in outside where !remote.contains(where: { $0.address == address }) {
                remote.append(QueuedRecipient(address: address, originalRecipient: recipient.originalRecipient ?? "rfc822;\(recipient.address)",
                                              notify: recipient.notify))
            }
        }
        var queued: Result<QueueMessageID, MailStoreError>? = nil
        if !remote.isEmpty {
            var copy = Array(request.traceHeaders.utf8) + request.message
            if let seal = request.sealRemoteCopy { copy = await seal(copy, forwardingAliases) }
            do {
                queued = .success(try await store.enqueue(OutboundMessage(
                    bytes: copy, mailFrom: request.mailFrom, recipients: remote,
                    envelopeID: request.envelopeID, returnContent: request.returnContent, smtpUTF8: request.smtpUTF8,
                    bodyType: request.bodyType)))
            } catch {
                queued = .failure(error as? MailStoreError ?? .io("\(error)"))
            }
        }
        return request.recipients.map { recipient in
            let (local, outside) = Self.targets(recipient.resolution)
            let delivered = local.map(\.address).filter { (try? accountOutcome[$0]?.get()) != nil }
            if !outside.isEmpty, case .success(let id)? = queued { return .queued(id, local: delivered) }
            if !delivered.isEmpty { return .delivered(delivered) }
            if !outside.isEmpty, case .failure(let error)? = queued { return .failed(error) }
            for account in local { if case .failure(let error)? = accountOutcome[account.address] { return .failed(error) } }
            return .failed(.accountNotFound(recipient.address.description))
        }
    }

    static func targets(_ resolution: RecipientResolution) -> (local: [Account], remote: [EmailAddress]) {
        switch resolution {
        case .local(let accounts): (accounts, [])
        case .mixed(let accounts, let remote): (accounts, remote)
        case .notLocal, .unknownUser: ([], [])
        }
    }

    func appendToInbox(_ account: Account, _ request: DeliveryRequest) async -> Result<Void, MailStoreError> {
        do {
            var target = try await store.mailbox(of: account.id, named: Mailbox.inbox)
            var flags = MessageFlags()
            if request.quarantine {
                // An account without a Junk mailbox gets the message in INBOX, still marked.
                if let junk = try await store.mailboxes(of: account.id).first(where: { $0.specialUse == .junk }) { target = junk }
                flags = MessageFlags(keywords: ["$Junk"])
            }
            guard let inbox = target else {
                return .failure(.mailboxNotFound(Mailbox.inbox))
            }
            let returnPath = request.mailFrom.map { "<\($0)>" } ?? "<>"
            let header = "Return-Path: \(returnPath)\r\nDelivered-To: \(account.address)\r\n" + request.traceHeaders
            let result = try await store.append(AppendRequest(bytes: Array(header.utf8) + request.message, flags: flags), to: inbox.id)
            logger.info("delivered", metadata: ["to": "\(account.address)", "mailbox": "\(inbox.name)", "uid": "\(result.uid)", "size": "\(request.message.count)"])
            return .success(())
        } catch let error as MailStoreError {
            logger.notice("local delivery failed", metadata: ["to": "\(account.address)", "error": "\(error)"])
            return .failure(error)
        } catch {
            return .failure(.io("\(error)"))
        }
    }
}
