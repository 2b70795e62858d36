import LocalDelivery
import MailMessage
import MailStore
import NIOCore
import Reception
import SMTPProtocol
import ServerRuntime

extension SMTPSession {
    // RFC 5321 §4.1.1.4 DATA. A refused DATA leaves the decoder reading commands.
    mutating func data() -> [SMTPAction] {
        guard let transaction else {
            decoder.continueCommands()
            return fail(.dataBeforeMail)
        }
        // RFC 3030 §2: "DATA and BDAT commands cannot be used in the same transaction"; the
        // chunks so far are not joined to a DATA body.
        guard !transaction.usedBDAT else {
            decoder.continueCommands()
            return fail(.dataAfterBDAT)
        }
        guard !transaction.reception.recipients.isEmpty else {
            decoder.continueCommands()
            return fail(.noValidRecipients)
        }
        decoder.beginData(maxSize: settings.limits.maxMessageSize)
        return [.send(.startMailInput)]
    }

    // RFC 3030 §2 BDAT: the chunk's octets follow whatever the reply; refused chunks are
    // discarded and answered at the chunk's end.
    mutating func bdat(size: Int, last: Bool) -> [SMTPAction] {
        guard let current = transaction, !current.reception.recipients.isEmpty else {
            decoder.beginChunk(size: size, last: last, discard: true)
            pendingChunkError = transaction == nil ? .bdatBeforeMail : .noValidRecipients
            return []
        }
        let tooLarge = current.tooLarge || current.message.count + size > settings.limits.maxMessageSize
        transaction?.tooLarge = tooLarge
        transaction?.usedBDAT = true
        pendingChunkError = nil
        decoder.beginChunk(size: size, last: last, discard: tooLarge)
        return []
    }

    /// A piece of DATA content or of a BDAT chunk. Written into the transaction in place (the
    /// session is mutated where it lives, so the message buffer is never copied).
    mutating func append(_ piece: inout ByteBuffer) -> [SMTPAction] {
        guard transaction != nil else { return [] }
        // DATA past the limit is still read to the final dot (the decoder counts it); keep none of it.
        if transaction!.message.count + piece.readableBytes > settings.limits.maxMessageSize { return [] }
        transaction!.message.append(&piece)
        let actions = transaction!.headerScan == nil ? [] : scanForHeaderEnd()
        transaction!.message.spillIfNeeded(settings.spool)
        // Past the threshold the content is on disk: the header section, if not found yet, is
        // left to the end of the message (as for one longer than `headerScanLimit`).
        if transaction!.message.isSpooled { transaction!.headerScan = nil }
        return actions
    }

    /// Looks for the blank line that ends the header section (RFC 5322 §2.1) in what arrived
    /// since the last look; once found, the reception stages' header phase starts its lookups
    /// while the body still streams. A header section longer than `headerScanLimit` is left to
    /// the end of the message.
    private mutating func scanForHeaderEnd() -> [SMTPAction] {
        guard let from = transaction?.headerScan, settings.phases.contains(.header) else {
            transaction?.headerScan = nil
            return []
        }
        let view = transaction!.message.memory.readableBytesView
        let start = view.startIndex + max(0, from - 3)
        var index = start
        while index + 3 < view.endIndex {
            if view[index + 3] == 0x0A && view[index + 2] == 0x0D && view[index + 1] == 0x0A && view[index] == 0x0D {
                transaction!.headerScan = nil
                let header = HeaderSection.parse(Array(view[view.startIndex..<(index + 4)])).section
                return [.headerReceived(header, transaction!.reception, receptionClient)]
            }
            index += 1
        }
        let scanned = view.count
        transaction!.headerScan = scanned > Self.headerScanLimit ? nil : scanned
        return []
    }

    /// How far into a message the header section is looked for while it arrives.
    static let headerScanLimit = 256 * 1024

    /// After the final dot (RFC 5321 §4.1.1.4): a problem the decoder found is refused now,
    /// with the client back in step.
    mutating func endOfData(_ end: SMTPContentEnd) -> [SMTPAction] {
        switch end.problem {
        case nil:
            return deliver()
        case .tooLarge?:
            transaction = nil
            return fail(.messageTooLarge)
        case .bareLineEnding?:
            transaction = nil
            return fail(.bareLineEndingInContent)
        }
    }

    mutating func endOfChunk(last: Bool) -> [SMTPAction] {
        if let failure = pendingChunkError {
            pendingChunkError = nil
            return fail(failure)
        }
        guard let current = transaction else { return fail(.chunkOutOfSequence) }
        if current.tooLarge {
            if last { transaction = nil }
            // Every chunk a pipelining client sent before it saw the first 552 gets 552 too
            // (RFC 3030 §2: the transaction has failed); none counts towards the error limit,
            // or a large message would end the session with 421 instead of 552.
            return fail(.messageTooLarge)
        }
        if last { return deliver() }
        return [.send(.chunkReceived(octets: current.message.count))]
    }

    /// The end of a message: parse it once, run the message stages (Sources/Reception), hand it
    /// to delivery, and answer once, only after every local copy is durable and the remote part
    /// is queued durably.
    private mutating func deliver() -> [SMTPAction] {
        guard var current = transaction else { return [] }
        transaction = nil
        guard let content = current.message.finish() else {
            logger.error("could not spool message content", metadata: [
                "id": "\(current.reception.id)", "error": "\(current.message.failure.map { "\($0)" } ?? "")"])
            return fail(.spoolFailed)
        }
        return run(.deliver(content, current.reception, receptionClient))
    }

    /// One reply for the whole message (RFC 5321 §4.2.5): accepted if any recipient got it.
    /// A recipient that failed after RCPT was accepted (e.g. a quota reached in between) is
    /// logged; bounces for it come with the outbound queue's DSNs.
    mutating func delivered(_ outcomes: [RecipientDelivery], _ reception: ReceptionTransaction, size: Int) -> [SMTPAction] {
        let failure = Self.failure(of: outcomes)
        let reply = failure?.error(host: settings.hostname).reply ?? .messageAccepted(id: reception.id)
        logger.info("message received", metadata: [
            "id": "\(reception.id)", "from": "\(LogSafe.escaped(reception.mailFrom?.description ?? "<>"))",
            "recipients": "\(reception.recipients.count)", "size": "\(size)", "reply": "\(reply.code)",
        ])
        guard let failure else { return [.send(reply)] }
        return fail(failure)
    }

    /// Why nobody got the message, or nil when some recipient did.
    static func failure(of outcomes: [RecipientDelivery]) -> SMTPFailure? {
        let failures = outcomes.compactMap { outcome -> MailStoreError? in
            if case .failed(let error) = outcome { return error } else { return nil }
        }
        // No outcomes: a filter deleted every recipient, nothing failed.
        if failures.count < outcomes.count || outcomes.isEmpty { return nil }
        switch failures.first {
        case .quotaExceeded?: return .mailboxFull
        case .messageTooLarge?: return .messageTooLarge
        default: return .localError
        }
    }
}
