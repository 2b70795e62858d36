import Foundation
import Logging
import MailCore
import MailMessage
import MailStore

/// One envelope recipient accepted at RCPT, with where it resolved to then.
public struct AcceptedRecipient: Sendable, Equatable {
    public let address: EmailAddress
    public let resolution: RecipientResolution
    /// RFC 3461 NOTIFY and ORCPT, passed on to the queue for remote delivery.
    public let dsn: DSNRequest

    public init(address: EmailAddress, resolution: RecipientResolution, dsn: DSNRequest = DSNRequest()) {
        self.address = address
        self.resolution = resolution
        self.dsn = dsn
    }
}

/// A received message and its envelope, ready to deliver.
public struct DeliveryRequest: Sendable {
    /// nil is the null reverse-path `<>`.
    public var mailFrom: EmailAddress?
    public var recipients: [AcceptedRecipient]
    /// The message parsed once, with the trace fields the receiving server put on top
    /// (RFC 5321 §4.4 Received) and whatever else the reception stages edited.
    public var message: ReceivedMessage
    public var envelopeID: String?
    public var returnContent: String?
    public var smtpUTF8: Bool
    public var bodyType: String?
    /// Local copies go to each account's Junk mailbox (special use \Junk, RFC 6154) with the
    /// `$Junk` keyword (RFC 5788) instead of INBOX, e.g. for a DMARC quarantine policy.
    public var quarantine = false
    /// IMAP keywords set on every local copy (reception stages' tags).
    public var keywords: [String] = []
    /// RFC 8689 §4.1: REQUIRETLS or "TLS-Required: No", carried to every queued copy.
    public var tlsRequirement: TLSRequirement = .policy
    /// Seals the one queued copy for remote alias targets (RFC 8617 §5.1 ARC, set on the MX
    /// listener with the inbound verdict); given that copy and the aliases that forward outside,
    /// returns it sealed, or unchanged when there is nothing to seal with. Local copies are never sealed.
    public var sealRemoteCopy: (@Sendable (_ copy: [UInt8], _ aliases: [EmailAddress]) async -> [UInt8])?
    /// Header fields a configured content filter (milter) wrote into this message during this
    /// transaction: the only `X-Spamd-Result`, `X-Spam-Status` and `X-Virus-Status` Sieve's
    /// spamtest/virustest believe (docs/sieve.md "Spam and virus tests").
    public var filterFields: [FilterField] = []
    /// The SMTP client's address and our host name for Sieve's RFC 5183 environment
    /// ("remote-ip", "host"); nil for mail that did not come over SMTP.
    public var clientAddress: String?
    public var serverHost: String?

    public init(mailFrom: EmailAddress?, recipients: [AcceptedRecipient], message: ReceivedMessage,
                envelopeID: String? = nil, returnContent: String? = nil, smtpUTF8: Bool = false, bodyType: String? = nil) {
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.message = message
        self.envelopeID = envelopeID
        self.returnContent = returnContent
        self.smtpUTF8 = smtpUTF8
        self.bodyType = bodyType
    }

    /// For messages that did not come through reception (bounces we write): parsed here,
    /// `traceHeaders` (CRLF-terminated fields) put on top.
    public init(mailFrom: EmailAddress?, recipients: [AcceptedRecipient], traceHeaders: String, message: [UInt8],
                envelopeID: String? = nil, returnContent: String? = nil, smtpUTF8: Bool = false, bodyType: String? = nil) {
        var received = ReceivedMessage(bytes: message)
        received.prepend(traceHeaders)
        self.init(mailFrom: mailFrom, recipients: recipients, message: received, envelopeID: envelopeID,
                  returnContent: returnContent, smtpUTF8: smtpUTF8, bodyType: bodyType)
    }
}

/// A header field a content filter added or changed, as it wrote it.
public struct FilterField: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
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
/// Every local account of one message shares one stored body (one file, one summary, one
/// fsync): `Return-Path` (RFC 5321 §4.4, from the envelope sender) on top, and `Delivered-To`
/// (RFC 9228) only when the message reaches a single account, since one body cannot name each
/// reader without telling the others who else got it. An account reached through several
/// recipients (aliases, `+tag`) is delivered to once. Remote recipients share one queued copy
/// with only the trace headers added. Every append and the enqueue are durable before
/// `deliver` returns.
public struct LocalDelivery: Sendable {
    public let store: any MailStore
    public let logger: Logger
    /// Each account's active Sieve script decides where its copy goes (docs/sieve.md); nil: INBOX.
    public let sieve: SieveFilter?
    /// Encrypts the copies of accounts that opted in (S/MIME at rest, docs/smime.md); nil: none.
    public let atRest: (any AtRestEncryption)?

    public init(store: any MailStore, logger: Logger = Logger(label: "hato.delivery"), sieve: SieveFilter? = nil,
                atRest: (any AtRestEncryption)? = nil) {
        self.store = store
        self.logger = logger
        self.sieve = sieve
        self.atRest = atRest
    }

    /// Delivers the message; the scripts' rejections are sent back as messages (RFC 5429 §2.1).
    public func deliver(_ request: DeliveryRequest) async -> [RecipientDelivery] {
        guard case .delivered(let results) = await deliver(request, refusing: false) else { return [] }
        return results
    }

    /// Delivers the message, or refuses it when every account it is for rejects it (`reject`
    /// or `ereject`) and nothing goes elsewhere: the SMTP session then answers 550 instead of
    /// accepting and bouncing (RFC 5429 §2.1-2.2). Each script runs once either way.
    public func deliverOrRefuse(_ request: DeliveryRequest) async -> DeliveryOutcome {
        await deliver(request, refusing: true)
    }

    private func deliver(_ request: DeliveryRequest, refusing: Bool) async -> DeliveryOutcome {
        var accounts: [Account] = []
        var remote: [QueuedRecipient] = []
        var forwardingAliases: [EmailAddress] = []
        for recipient in request.recipients {
            let (local, outside) = Self.targets(recipient.resolution)
            for account in local where !accounts.contains(where: { $0.address == account.address }) { accounts.append(account) }
            if !outside.isEmpty, !forwardingAliases.contains(recipient.address) { forwardingAliases.append(recipient.address) }
            for address in outside where !remote.contains(where: { $0.address == address }) {
                // RFC 3461 §4.2: without ORCPT, the address the alias was reached by is the original.
                let dsn = DSNRequest(notify: recipient.dsn.notify,
                                     originalRecipient: recipient.dsn.originalRecipient ?? OriginalRecipient(rfc822: recipient.address))
                remote.append(QueuedRecipient(address: address, dsn: dsn))
            }
        }
        var unfiltered = accounts
        var filtered: [EmailAddress: Result<Void, MailStoreError>] = [:]
        // Quarantined mail stays in Junk: no script files it elsewhere or answers it.
        if let sieve, !request.quarantine {
            switch await runSieve(accounts, request, sieve, refusing: refusing && remote.isEmpty) {
            case .refused(let refusal): return .refused(refusal)
            case .filtered(let plain, let done): (unfiltered, filtered) = (plain, done)
            }
        }
        let accountOutcome = await appendToMailboxes(unfiltered, request).merging(filtered) { first, _ in first }
        var queued: Result<QueueMessageID, MailStoreError>? = nil
        if !remote.isEmpty {
            var copy = request.message.bytes
            if let seal = request.sealRemoteCopy { copy = await seal(copy, forwardingAliases) }
            do {
                queued = .success(try await store.enqueue(OutboundMessage(
                    bytes: copy, mailFrom: request.mailFrom, recipients: remote,
                    envelopeID: request.envelopeID, returnContent: request.returnContent, smtpUTF8: request.smtpUTF8,
                    bodyType: request.bodyType, tlsRequirement: request.tlsRequirement)))
            } catch {
                queued = .failure(error as? MailStoreError ?? .io("\(error)"))
            }
        }
        return .delivered(request.recipients.map { recipient in
            let (local, outside) = Self.targets(recipient.resolution)
            let delivered = local.map(\.address).filter { (try? accountOutcome[$0]?.get()) != nil }
            if !outside.isEmpty, case .success(let id)? = queued { return .queued(id, local: delivered) }
            if !delivered.isEmpty { return .delivered(delivered) }
            if !outside.isEmpty, case .failure(let error)? = queued { return .failed(error) }
            for account in local { if case .failure(let error)? = accountOutcome[account.address] { return .failed(error) } }
            return .failed(.accountNotFound(recipient.address.description))
        })
    }

    static func targets(_ resolution: RecipientResolution) -> (local: [Account], remote: [EmailAddress]) {
        switch resolution {
        case .local(let accounts): (accounts, [])
        case .mixed(let accounts, let remote): (accounts, remote)
        case .notLocal, .unknownUser: ([], [])
        }
    }

    /// One body for every account that stores mail as it comes (each gets it in INBOX, or Junk
    /// when quarantined); a full quota or a missing mailbox fails only that account. An account
    /// with encryption at rest gets its own body, sealed to its certificate.
    func appendToMailboxes(_ accounts: [Account], _ request: DeliveryRequest) async -> [EmailAddress: Result<Void, MailStoreError>] {
        let sealed = accounts.filter { !storesPlain($0) }
        var outcome = await appendOneBody(accounts.filter { storesPlain($0) }, request)
        for account in sealed { outcome.merge(await appendOneBody([account], request)) { first, _ in first } }
        return outcome
    }

    private func appendOneBody(_ accounts: [Account], _ request: DeliveryRequest) async -> [EmailAddress: Result<Void, MailStoreError>] {
        guard !accounts.isEmpty else { return [:] }
        var outcome: [EmailAddress: Result<Void, MailStoreError>] = [:]
        var targets: [(account: Account, mailbox: MailboxTarget)] = []
        for account in accounts {
            switch await targetMailbox(account, quarantine: request.quarantine) {
            case .success(let mailbox): targets.append((account, mailbox))
            case .failure(let error): outcome[account.address] = .failure(error)
            }
        }
        guard !targets.isEmpty else { return outcome }
        var message = request.message
        // Prepended last, so they stand first (RFC 5321 §4.4: Return-Path at the top).
        if targets.count == 1 { message.prepend("Delivered-To: \(targets[0].account.address)\r\n") }
        message.prepend("Return-Path: \(request.mailFrom.map { "<\($0)>" } ?? "<>")\r\n")
        let flags = MessageFlags(keywords: request.keywords + (request.quarantine ? ["$Junk"] : []))
        let bytes: [UInt8], summary: Data?
        switch await stored(message, for: targets[0].account) {  // one account, or only plain ones
        case .success(let form): (bytes, summary) = form
        case .failure(let error):
            for target in targets { outcome[target.account.address] = .failure(error) }
            return outcome
        }
        do {
            let results = try await store.deliver(AppendRequest(bytes: bytes, flags: flags, summary: summary),
                                                  to: targets.map(\.mailbox.id))
            for (target, result) in zip(targets, results) {
                switch result {
                case .success(let appended):
                    logger.info("delivered", metadata: ["to": "\(target.account.address)", "mailbox": "\(target.mailbox.name)",
                                                        "uid": "\(appended.uid)", "size": "\(bytes.count)"])
                    outcome[target.account.address] = .success(())
                case .failure(let error):
                    logger.notice("local delivery failed", metadata: ["to": "\(target.account.address)", "error": "\(error)"])
                    outcome[target.account.address] = .failure(error)
                }
            }
        } catch {
            let failure = error as? MailStoreError ?? .io("\(error)")
            logger.notice("local delivery failed", metadata: ["accounts": "\(targets.count)", "error": "\(failure)"])
            for target in targets { outcome[target.account.address] = .failure(failure) }
        }
        return outcome
    }

    /// INBOX, or the account's Junk mailbox for a quarantined message (an account without one
    /// gets it in INBOX, still marked `$Junk`).
    func targetMailbox(_ account: Account, quarantine: Bool) async -> Result<MailboxTarget, MailStoreError> {
        do {
            if quarantine, let junk = try await store.mailboxes(of: account.id).first(where: { $0.specialUse == .junk }) {
                return .success(MailboxTarget(id: junk.id, name: junk.name))
            }
            guard let inbox = try await store.mailbox(of: account.id, named: "INBOX") else {
                return .failure(.mailboxNotFound("INBOX"))
            }
            return .success(MailboxTarget(id: inbox.id, name: inbox.name))
        } catch {
            return .failure(error as? MailStoreError ?? .io("\(error)"))
        }
    }
}

/// Where one account's copy goes (the module and its store protocol share the name `MailStore`,
/// so the store's `Mailbox` cannot be named here beside MailMessage's).
struct MailboxTarget {
    var id: MailboxID
    var name: String
}
