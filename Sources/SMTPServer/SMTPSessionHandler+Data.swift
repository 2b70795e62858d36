import Foundation
import LocalDelivery
import MailCore
import MailStore
import NIOCore
import SMTPProtocol

extension SMTPSessionHandler {
    // RFC 5321 §4.1.1.4 DATA.
    func data(_ context: ChannelHandlerContext) {
        guard let transaction else {
            decoder.continueCommands()
            return fail(.badSequence.withMessage("Need MAIL and RCPT before DATA"), context)
        }
        guard !transaction.recipients.isEmpty else {
            decoder.continueCommands()
            return fail(SMTPError(554, SMTPEnhancedStatusCode(5, 5, 1)!, "No valid recipients"), context)
        }
        decoder.beginData(maxSize: configuration.limits.maxMessageSize)
        reply(.startMailInput, context)
    }

    // RFC 3030 §2 BDAT: the chunk's octets follow whatever the reply; refused chunks are discarded.
    func bdat(size: Int, last: Bool, _ context: ChannelHandlerContext) {
        guard let current = transaction, !current.recipients.isEmpty else {
            decoder.beginChunk(size: size, last: last, discard: true)
            pendingChunkError = transaction == nil ? .badSequence.withMessage("Need MAIL and RCPT before BDAT")
                : SMTPError(554, SMTPEnhancedStatusCode(5, 5, 1)!, "No valid recipients")
            return
        }
        let tooLarge = current.tooLarge || current.message.readableBytes + size > configuration.limits.maxMessageSize
        transaction?.tooLarge = tooLarge
        pendingChunkError = nil
        decoder.beginChunk(size: size, last: last, discard: tooLarge)
    }

    func appendToMessage(_ piece: inout ByteBuffer) {
        guard transaction != nil else { return }
        // DATA past the limit is still read to the final dot (the decoder counts it); keep none of it.
        if transaction!.message.readableBytes + piece.readableBytes > configuration.limits.maxMessageSize { return }
        transaction!.message.writeBuffer(&piece)
    }

    func endOfData(_ end: SMTPContentEnd, _ context: ChannelHandlerContext) {
        if let error = end.error {
            transaction = nil
            return fail(error, context)
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
            return fail(.messageTooLarge, context)
        }
        if last { return deliver(context) }
        reply(.chunkReceived(octets: current.message.readableBytes), context)
    }

    /// The end of a message: add trace headers, hand it to delivery, and answer once, only after
    /// every local copy is durable and the remote part is queued durably.
    func deliver(_ context: ChannelHandlerContext) {
        guard var current = transaction else { return }
        transaction = nil
        let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        var message = current.message.readBytes(length: current.message.readableBytes) ?? []
        if configuration.profile == .submission || account != nil {
            message = TraceHeaders.fixSubmission(message, hostname: configuration.hostname)
        }
        var received = TraceHeaders.received(
            helo: helo ?? "unknown", remoteIP: connection.remoteIP, hostname: configuration.hostname, esmtp: esmtp,
            tls: tlsActive ? (connection.tlsSession?.description ?? "TLS") : nil, user: account?.address.description, id: String(id),
            recipients: current.recipients.map(\.address.description))
        let inbound = configuration.profile == .mx && account == nil ? configuration.inboundAuthentication : nil
        if current.spf != nil || inbound != nil {
            // RFC 8601 §5: an Authentication-Results field claiming to be ours came from outside.
            message = TraceHeaders.removeAuthenticationResults(message, authservID: configuration.hostname)
        }
        if let spf = current.spf {
            // With DKIM/DMARC on, their Authentication-Results field carries the SPF verdicts too.
            let results = inbound != nil ? ""
                : SPFHeaders.authenticationResults(spf, helo: current.spfHELO, heloName: helo ?? "unknown", authservID: configuration.hostname)
            received = results + SPFHeaders.receivedSPF(spf, ip: connection.remoteIP, helo: helo ?? "unknown", receiver: configuration.hostname)
                + received
        }
        let inboundContext = InboundAuthenticationStage.Context(remoteIP: connection.remoteIP, helo: helo ?? "unknown",
                                                                spf: current.spf, spfHELO: current.spfHELO)
        let request = DeliveryRequest(
            mailFrom: current.mailFrom, recipients: current.recipients, traceHeaders: received, message: message,
            envelopeID: current.parameters.envelopeID, returnContent: current.parameters.ret?.rawValue,
            smtpUTF8: current.parameters.smtpUTF8, bodyType: current.parameters.body?.rawValue)
        let delivery = server.delivery, account = self.account, logger = self.logger, store = server.store
        let signer = configuration.messageSigner
        let body = message
        current.message.clear()
        perform(context) {
            if let account {
                // RFC 6409 §8 and the brief: header From must be one of the user's addresses too.
                for from in TraceHeaders.fromAddresses(body) {
                    guard let address = try? EmailAddress(from), await SenderPolicy.mayUse(address, account: account, store: store) else {
                        return { handler, context in
                            handler.fail(SMTPError(550, SMTPEnhancedStatusCode(5, 7, 1)!, "Header From <\(from)> does not belong to \(account.address)"), context)
                        }
                    }
                }
            }
            var request = request
            if let signer, let account { request.message = await signer.sign(request.message, account: account) }
            if let inbound, let refusal = await InboundAuthenticationStage.apply(inbound, to: &request, context: inboundContext,
                                                                                store: store, logger: logger) {
                return { handler, context in handler.fail(refusal, context) }
            }
            let outcomes = await delivery.deliver(request)
            let reply = Self.reply(for: outcomes, id: String(id))
            logger.info("message received", metadata: [
                "id": "\(id)", "from": "\(request.mailFrom?.description ?? "<>")", "recipients": "\(request.recipients.count)",
                "size": "\(body.count)", "reply": "\(reply.code)",
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
