import NIOCore

extension SMTPClientConnection {
    /// One mail transaction (RFC 5321 §3.3); RSET first if a previous transaction left state.
    ///
    /// Decided before anything is sent, leaving the connection usable: an invalid envelope, a
    /// message needing SMTPUTF8 for a peer without it (RFC 6531 §3.5), a message larger than the
    /// peer's SIZE (RFC 1870 §6), 8-bit content that cannot be made 7-bit for a peer without
    /// 8BITMIME (RFC 6152 §3). Everything else thrown is connection-level and closes the
    /// connection; per-recipient and DATA replies are in the result.
    public func send(_ envelope: SMTPClientEnvelope, message: [UInt8]) async throws -> SMTPTransactionResult {
        try claim()
        defer { state.withLockedValue { $0.busy = false } }
        let capabilities = self.capabilities
        // RFC 8689 §4.2.1 steps 4-5: TLS, then REQUIRETLS in the EHLO reply after it.
        if envelope.requireTLS, envelope.mailFrom != nil, !(tlsActive && capabilities.requireTLS) {
            throw SMTPClientError.requireTLSUnsupported
        }
        let prepared = try Self.prepare(envelope, message: message, capabilities: capabilities)
        do {
            return try await transact(envelope, prepared: prepared, capabilities: capabilities)
        } catch {
            state.withLockedValue { $0.closed = true }
            await transport.close()
            logger.info("SMTP transaction failed", metadata: ["error": "\(error)"])
            throw error
        }
    }

    /// Most RCPT commands sent ahead of their replies (RFC 5321 §4.5.3.1.8's 100 recipients).
    static let pipelineGroupSize = 100

    struct PreparedMessage {
        var content: [UInt8]
        var eightBitMIME: Bool
        var smtpUTF8: Bool
    }

    /// The local checks and conversions, in the order a bounce reason should be chosen.
    static func prepare(_ envelope: SMTPClientEnvelope, message: [UInt8], capabilities: SMTPServerCapabilities) throws(SMTPClientError) -> PreparedMessage {
        guard !envelope.recipients.isEmpty else { throw .invalidEnvelope("no recipients") }
        if let from = envelope.mailFrom { try SMTPClientCommands.checkAddress(from, role: "sender") }
        for recipient in envelope.recipients {
            guard !recipient.address.isEmpty else { throw .invalidEnvelope("empty recipient address") }
            try SMTPClientCommands.checkAddress(recipient.address, role: "recipient")
        }
        let addresses = [envelope.mailFrom ?? ""] + envelope.recipients.map(\.address)
        let smtpUTF8 = envelope.smtpUTF8 || !addresses.allSatisfy(SMTPClientCommands.isASCII)
        if smtpUTF8 && !capabilities.smtpUTF8 { throw .smtpUTF8Unsupported }

        var content = SMTPMessageEncoding.normalizingLineEndings(message)
        var eightBitMIME = false
        if SMTPMessageEncoding.hasEightBitOctets(content) {
            if capabilities.eightBitMIME {
                eightBitMIME = true
            } else {
                do throws(SevenBitConversion.Failure) {
                    content = try SevenBitConversion.convert(content)
                } catch {
                    throw .conversionImpossible(error.reason)
                }
            }
        }
        if let limit = capabilities.maxMessageSize, content.count > limit {
            throw .messageTooLarge(size: content.count, limit: limit)
        }
        return PreparedMessage(content: content, eightBitMIME: eightBitMIME, smtpUTF8: smtpUTF8)
    }

    private func transact(_ envelope: SMTPClientEnvelope, prepared: PreparedMessage, capabilities: SMTPServerCapabilities) async throws(SMTPClientError) -> SMTPTransactionResult {
        if state.withLockedValue({ $0.needsReset }) {
            // RFC 5321 §4.1.1.5: RSET aborts the open transaction; it must answer 250.
            let reply = try await command("RSET", stage: .reset)
            guard reply.code == 250 else { throw .unexpectedReply(reply, stage: .reset) }
            state.withLockedValue { $0.needsReset = false }
        }
        let mailLine = SMTPClientCommands.mail(envelope, size: prepared.content.count, eightBitMIME: prepared.eightBitMIME,
                                               smtpUTF8: prepared.smtpUTF8, capabilities: capabilities)
        let rcptLines = envelope.recipients.map { SMTPClientCommands.rcpt($0, capabilities: capabilities) }

        let mailReply: SMTPClientReply
        var rcptReplies: [SMTPClientReply] = []
        if capabilities.pipelining {
            // RFC 2920 §3.1: MAIL and the RCPTs in groups; replies come back in order. Groups
            // stay well below what the handler buffers unread (RFC 2920 §3.2 deadlock advice).
            let groups = stride(from: 0, to: rcptLines.count, by: Self.pipelineGroupSize).map {
                Array(rcptLines[$0..<min($0 + Self.pipelineGroupSize, rcptLines.count)])
            }
            try await transport.send([mailLine] + (groups.first ?? []), stage: .mailFrom)
            mailReply = try await reply(stage: .mailFrom)
            for (index, group) in groups.enumerated() {
                if index > 0 { try await transport.send(group, stage: .rcptTo) }
                for _ in group { rcptReplies.append(try await reply(stage: .rcptTo)) }
            }
        } else {
            mailReply = try await command(mailLine, stage: .mailFrom)
            if mailReply.isPositive {
                for line in rcptLines { rcptReplies.append(try await command(line, stage: .rcptTo)) }
            }
        }
        try Self.expectCompletion(mailReply, stage: .mailFrom)
        guard mailReply.isPositive else {
            return SMTPTransactionResult(mailFrom: mailReply, recipients: envelope.recipients.map { ($0, mailReply) }, data: nil)
        }
        state.withLockedValue { $0.needsReset = true }
        for reply in rcptReplies { try Self.expectCompletion(reply, stage: .rcptTo) }
        let recipients = Array(zip(envelope.recipients, rcptReplies)).map { (recipient: $0.0, reply: $0.1) }
        guard rcptReplies.contains(where: \.isPositive) else {
            return SMTPTransactionResult(mailFrom: mailReply, recipients: recipients, data: nil)
        }

        // RFC 5321 §4.1.1.4 and §4.5.3.2.4: DATA, then 354 before any content.
        let dataReply = try await command("DATA", stage: .data)
        guard dataReply.code == 354 else {
            if dataReply.isPositive { throw .protocolViolation("DATA answered \(dataReply.code) instead of 354", stage: .data) }
            return SMTPTransactionResult(mailFrom: mailReply, recipients: recipients, data: dataReply)
        }
        var payload = transport.channel.allocator.buffer(capacity: prepared.content.count + 64)
        SMTPMessageEncoding.dotStuffed(prepared.content, into: &payload)
        try await transport.write(payload, stage: .message, timeout: configuration.dataTimeout)
        // RFC 5321 §4.5.3.2.6: at least 10 minutes for the reply to the final dot.
        let final = try await reply(stage: .endOfData, timeout: configuration.dataTimeout)
        try Self.expectCompletion(final, stage: .endOfData)
        state.withLockedValue { $0.needsReset = false }
        return SMTPTransactionResult(mailFrom: mailReply, recipients: recipients, data: final)
    }

    /// MAIL, RCPT and the final dot answer 2xx, 4xx or 5xx (RFC 5321 §4.3.2); a 3xx there is the
    /// peer out of step with the client.
    private static func expectCompletion(_ reply: SMTPClientReply, stage: SMTPClientStage) throws(SMTPClientError) {
        if reply.code / 100 == 3 { throw .protocolViolation("\(stage) answered \(reply.code)", stage: stage) }
    }
}
