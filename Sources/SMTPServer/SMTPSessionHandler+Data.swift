import Foundation
import LocalDelivery
import MailMessage
import MailStore
import NIOCore
import Reception
import SMTPProtocol
import ServerRuntime

extension SMTPSessionHandler {
    // RFC 5321 §4.1.1.4 DATA.
    func data(_ context: ChannelHandlerContext) {
        guard let transaction else {
            decoder.continueCommands()
            return fail(.badSequence.withMessage("Need MAIL and RCPT before DATA"), context)
        }
        // RFC 3030 §2: "DATA and BDAT commands cannot be used in the same transaction"; the
        // chunks so far are not joined to a DATA body.
        guard !transaction.usedBDAT else {
            decoder.continueCommands()
            return fail(.badSequence.withMessage("DATA may not follow BDAT in one transaction"), context)
        }
        guard !transaction.reception.recipients.isEmpty else {
            decoder.continueCommands()
            return fail(SMTPError(554, SMTPEnhancedStatusCode(5, 5, 1)!, "No valid recipients"), context)
        }
        decoder.beginData(maxSize: configuration.limits.maxMessageSize)
        reply(.startMailInput, context)
    }

    // RFC 3030 §2 BDAT: the chunk's octets follow whatever the reply; refused chunks are discarded.
    func bdat(size: Int, last: Bool, _ context: ChannelHandlerContext) {
        guard let current = transaction, !current.reception.recipients.isEmpty else {
            decoder.beginChunk(size: size, last: last, discard: true)
            pendingChunkError = transaction == nil ? .badSequence.withMessage("Need MAIL and RCPT before BDAT")
                : SMTPError(554, SMTPEnhancedStatusCode(5, 5, 1)!, "No valid recipients")
            return
        }
        let tooLarge = current.tooLarge || current.message.readableBytes + size > configuration.limits.maxMessageSize
        transaction?.tooLarge = tooLarge
        transaction?.usedBDAT = true
        pendingChunkError = nil
        decoder.beginChunk(size: size, last: last, discard: tooLarge)
    }

    func appendToMessage(_ piece: inout ByteBuffer) {
        guard transaction != nil else { return }
        // DATA past the limit is still read to the final dot (the decoder counts it); keep none of it.
        if transaction!.message.readableBytes + piece.readableBytes > configuration.limits.maxMessageSize { return }
        transaction!.message.writeBuffer(&piece)
        if transaction!.headerScan != nil { scanForHeaderEnd() }
    }

    /// Looks for the blank line that ends the header section (RFC 5322 §2.1) in what arrived
    /// since the last look; once found, the reception stages' header phase starts its lookups
    /// while the body still streams. A header section longer than `headerScanLimit` is left to
    /// the end of the message.
    private func scanForHeaderEnd() {
        guard let from = transaction?.headerScan, server.pipeline.runs(.header) else {
            transaction?.headerScan = nil
            return
        }
        let view = transaction!.message.readableBytesView
        let start = view.startIndex + max(0, from - 3)
        var index = start
        while index + 3 < view.endIndex {
            if view[index + 3] == 0x0A && view[index + 2] == 0x0D && view[index + 1] == 0x0A && view[index] == 0x0D {
                transaction!.headerScan = nil
                let header = HeaderSection.parse(Array(view[view.startIndex..<(index + 4)])).section
                return server.pipeline.headerReceived(header, transaction: transaction!.reception, client: receptionClient)
            }
            index += 1
        }
        let scanned = view.count
        transaction!.headerScan = scanned > Self.headerScanLimit ? nil : scanned
    }

    /// How far into a message the header section is looked for while it arrives.
    static let headerScanLimit = 256 * 1024

    func endOfData(_ end: SMTPContentEnd, _ context: ChannelHandlerContext) {
        if let error = end.error {
            transaction = nil
            // A message over the size limit is a refusal of the mail, not a protocol error of
            // the client's: it does not count towards the error limit.
            return fail(error, countsAsError: end.problem != .tooLarge, context)
        }
        deliver(context)
    }

    func endOfChunk(last: Bool, _ context: ChannelHandlerContext) {
        if let error = pendingChunkError {
            pendingChunkError = nil
            return fail(error, context)
        }
        guard let current = transaction else { return fail(.badSequence, context) }
        if current.tooLarge {
            if last { transaction = nil }
            // Every chunk a pipelining client sent before it saw the first 552 gets 552 too
            // (RFC 3030 §2: the transaction has failed); none counts towards the error limit,
            // or a large message would end the session with 421 instead of 552.
            return fail(.messageTooLarge, countsAsError: false, context)
        }
        if last { return deliver(context) }
        reply(.chunkReceived(octets: current.message.readableBytes), context)
    }

    /// The end of a message: parse it once, run the message stages (Sources/Reception), hand it
    /// to delivery, and answer once, only after every local copy is durable and the remote part
    /// is queued durably.
    func deliver(_ context: ChannelHandlerContext) {
        guard var current = transaction else { return }
        transaction = nil
        let bytes = current.message.readBytes(length: current.message.readableBytes) ?? []
        current.message.clear()
        let reception = current.reception
        let pipeline = server.pipeline, delivery = server.delivery, client = receptionClient, logger = self.logger
        let limits = configuration.messageLimits
        perform(context) {
            var message = ReceptionMessage(content: ReceivedMessage(bytes: bytes, limits: limits))
            if let refusal = await pipeline.message(&message, transaction: reception, client: client) {
                return { handler, context in handler.refuse(refusal, context) }
            }
            var request = DeliveryRequest(
                mailFrom: reception.mailFrom, recipients: reception.recipients, message: message.content,
                envelopeID: reception.parameters.envelopeID, returnContent: reception.parameters.ret?.rawValue,
                smtpUTF8: reception.parameters.smtpUTF8, bodyType: reception.parameters.body?.rawValue)
            request.quarantine = message.junk
            request.keywords = message.keywords
            request.sealRemoteCopy = message.sealRemoteCopy
            let outcomes = await delivery.deliver(request)
            let reply = Self.reply(for: outcomes, id: reception.id)
            logger.info("message received", metadata: [
                "id": "\(reception.id)", "from": "\(LogSafe.escaped(reception.mailFrom?.description ?? "<>"))",
                "recipients": "\(reception.recipients.count)", "size": "\(bytes.count)", "reply": "\(reply.code)",
            ])
            return { handler, context in
                handler.reply(reply, context)
            }
        }
    }

    /// One reply for the whole message (RFC 5321 §4.2.5): accepted if any recipient got it.
    /// A recipient that failed after RCPT was accepted (e.g. a quota reached in between) is
    /// logged; bounces for it come with the outbound queue's DSNs.
    static func reply(for outcomes: [RecipientDelivery], id: String) -> SMTPReply {
        let failures = outcomes.compactMap { outcome -> MailStoreError? in
            if case .failed(let error) = outcome { return error } else { return nil }
        }
        if failures.count < outcomes.count { return .messageAccepted(id: id) }
        switch failures.first {
        case .quotaExceeded?: return SMTPReply(552, SMTPEnhancedStatusCode(5, 2, 2), "Mailbox full")
        case .messageTooLarge?: return SMTPError.messageTooLarge.reply
        default: return SMTPReply(451, SMTPEnhancedStatusCode(4, 3, 0), "Local error in processing; try again later")
        }
    }
}
