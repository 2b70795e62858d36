import Foundation
import Logging
import MailCore
import MailMessage
import MailStore
import SieveProtocol

/// Delivery of one account's copy under its active Sieve script (docs/sieve.md).
extension LocalDelivery {
    /// Runs `account`'s active script once, before anything it asks for is done: `.unfiltered`
    /// when there is no script or it failed (the caller delivers to INBOX as without Sieve).
    /// The mailbox list (for `mailboxexists` and fileinto) is read only once the account is known
    /// to have a script: most have none, and reading it cost 117 K instructions per delivery
    /// (issue 24). A failed read is still `.failed` whenever a script would run.
    func runScript(_ account: Account, _ request: DeliveryRequest, _ sieve: SieveFilter, envelopeTo: EmailAddress) async -> SieveOutcome {
        var mailboxes: [MailboxTarget] = []
        let result: SieveResult?
        do {
            result = try await sieve.evaluate(account, request: request, envelopeTo: envelopeTo, logger: logger) { () async throws(MailStoreError) in
                do { mailboxes = try await store.mailboxes(of: account.id).map { MailboxTarget(id: $0.id, name: $0.name) } } catch {
                    throw error as? MailStoreError ?? .io("\(error)")
                }
                return Set(mailboxes.map(\.name))
            }
        } catch {
            return .failed(error)
        }
        guard let result else { return .unfiltered }
        return .ran(SieveRun(account: account, envelopeTo: envelopeTo, mailboxes: mailboxes, result: result))
    }

    /// Performs what the script asked for (the run's only side effects: stores, redirects,
    /// vacation, rejection messages, duplicate tracking).
    func deliverFiltered(_ run: SieveRun, _ request: DeliveryRequest, _ sieve: SieveFilter) async -> Result<Void, MailStoreError> {
        let (account, envelopeTo, mailboxes, result) = (run.account, run.envelopeTo, run.mailboxes, run.result)
        let actions = result.actions
        // RFC 5293: what keep, fileinto and redirect take is the header as the script left it.
        // Parsed again only when a script edited it (the body is not touched).
        var message = result.editedHeader.map { Self.message(request.message, header: $0) } ?? request.message
        let redirected = message.bytes
        message.prepend("Delivered-To: \(account.address)\r\n")
        message.prepend("Return-Path: \(request.mailFrom.map { "<\($0)>" } ?? "<>")\r\n")
        let bytes: [UInt8], summary: Data?
        switch await stored(message, for: account) {
        case .success(let form): (bytes, summary) = form
        case .failure(let error): return .failure(error)
        }
        var stored = 0
        var failures: [MailStoreError] = []
        var fileActions = actions.filter { if case .keep = $0 { true } else if case .fileinto = $0 { true } else { false } }
        for action in actions {
            switch action {
            case .keep, .fileinto: continue
            case .redirect(let address):
                let kept = fileActions.contains { if case .keep = $0 { true } else { false } }
                if await !redirect(bytes: redirected, to: address, request: request, account: account), !kept {
                    fileActions.append(.keep(flags: []))  // RFC 5228 §2.10.6: a failed action must not lose the message
                }
            case .reject(let reason, _):
                await sendRejection(reason: reason, request: request, account: account, hostname: sieve.hostname)
            case .vacation(var reply):
                // RFC 5230 §4.5: the address the message came to is one of the user's addresses.
                if envelopeTo != account.address { reply.addresses.append(envelopeTo.canonical) }
                await sendVacation(reply, request: request, account: account, sieve: sieve)
            }
        }
        for action in fileActions {
            let name: String, flags: [String], create: Bool
            switch action {
            case .keep(let kept): (name, flags, create) = ("INBOX", kept, false)
            case .fileinto(let mailbox, let filed, let creates): (name, flags, create) = (mailbox, filed, creates)
            default: continue
            }
            do {
                let target = try await sieveTarget(name, create: create, account: account, existing: mailboxes)
                let append = AppendRequest(bytes: bytes, flags: MessageFlags(names: flags + request.keywords), summary: summary)
                let results = try await store.deliver(append, to: [target.id])
                switch results.first {
                case .success(let appended)?:
                    stored += 1
                    logger.info("delivered", metadata: ["to": "\(account.address)", "mailbox": "\(target.name)", "uid": "\(appended.uid)",
                                                        "size": "\(bytes.count)", "sieve": "yes"])
                case .failure(let error)?: failures.append(error)
                case nil: failures.append(.io("no append result"))
                }
            } catch {
                failures.append(error as? MailStoreError ?? .io("\(error)"))
            }
        }
        if stored == 0, !fileActions.isEmpty, let failure = failures.first {
            logger.notice("local delivery failed", metadata: ["to": "\(account.address)", "error": "\(failure)"])
            return .failure(failure)
        }
        if fileActions.isEmpty { logger.info("sieve: message not stored (discard, redirect or reject)", metadata: ["to": "\(account.address)"]) }
        await sieve.recordDuplicates(result.duplicates, account: account, logger: logger)
        return .success(())
    }

    /// `original` with its top-level header replaced by `header` (fields as the script left them).
    static func message(_ original: ReceivedMessage, header: HeaderSection) -> ReceivedMessage {
        let bytes = original.bytes
        var edited: [UInt8] = []
        edited.reserveCapacity(bytes.count + 256)
        for field in header.fields {
            edited += field.raw
            if field.raw.last != 0x0A { edited += [0x0D, 0x0A] }
        }
        edited += [0x0D, 0x0A]
        if original.headerLength < bytes.count { edited += bytes[original.headerLength...] }
        return ReceivedMessage(bytes: edited)
    }

    /// The fileinto mailbox; a missing one is created only with :create (RFC 5490 §3.2), else
    /// the message goes to INBOX (RFC 5228 §4.1 leaves a missing mailbox to the implementation).
    private func sieveTarget(_ name: String, create: Bool, account: Account, existing: [MailboxTarget]) async throws -> MailboxTarget {
        if let found = existing.first(where: { $0.name == name || ($0.name.uppercased() == "INBOX" && name.uppercased() == "INBOX") }) {
            return found
        }
        if create {
            let made = try await store.createMailbox(of: account.id, named: name, specialUse: nil)
            return MailboxTarget(id: made.id, name: made.name)
        }
        logger.notice("sieve: fileinto a mailbox that does not exist; delivering to INBOX", metadata: ["to": "\(account.address)", "mailbox": "\(name)"])
        guard let inbox = existing.first(where: { $0.name.uppercased() == "INBOX" }) else { throw MailStoreError.mailboxNotFound("INBOX") }
        return inbox
    }

    /// RFC 5228 §4.2: the message as received, to the new address, envelope sender kept.
    private func redirect(bytes: [UInt8], to address: String, request: DeliveryRequest, account: Account) async -> Bool {
        guard let target = try? EmailAddress(address) else {
            logger.notice("sieve: redirect to an invalid address; keeping", metadata: ["to": "\(account.address)", "redirect": "\(address)"])
            return false
        }
        var copy = bytes
        if let seal = request.sealRemoteCopy { copy = await seal(copy, [account.address]) }
        do {
            let id = try await store.enqueue(OutboundMessage(bytes: copy, mailFrom: request.mailFrom, recipients: [QueuedRecipient(address: target)],
                                                             smtpUTF8: request.smtpUTF8, bodyType: request.bodyType,
                                                             tlsRequirement: request.tlsRequirement))
            logger.info("sieve: redirected", metadata: ["to": "\(account.address)", "redirect": "\(target)", "queue": "\(id)"])
            return true
        } catch {
            logger.notice("sieve: redirect could not be queued; keeping", metadata: ["to": "\(account.address)", "error": "\(error)"])
            return false
        }
    }
}
