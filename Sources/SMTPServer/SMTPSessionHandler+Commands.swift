import Foundation
import LocalDelivery
import MailCore
import NIOCore
import Reception
import SMTPProtocol

extension SMTPSessionHandler {
    var capabilities: [SMTPCapability] {
        var list: [SMTPCapability] = [.pipelining, .size(configuration.limits.maxMessageSize), .eightBitMIME, .smtpUTF8,
                                      .enhancedStatusCodes, .chunking, .dsn]
        if !tlsActive && connection.tls != nil { list.append(.startTLS) }
        // RFC 4954 §4 and the brief: no mechanism that sends a password is offered before TLS
        // (loopback excepted); on port 25 AUTH is offered only after STARTTLS.
        if account == nil && (configuration.profile == .submission || tlsActive) {
            let mechanisms = configuration.sasl.advertised(
                tlsActive: tlsActive, loopback: connection.isLoopback,
                channelBindingAvailable: tlsActive && connection.channelBinding != nil, cramMD5Enabled: true)
            if !mechanisms.isEmpty { list.append(.auth(mechanisms.map(\.rawValue))) }
        }
        return list
    }

    func execute(_ command: SMTPCommand, _ context: ChannelHandlerContext) {
        switch command {
        case .ehlo(let host), .helo(let host):
            helo = host.description
            esmtp = { if case .ehlo = command { true } else { false } }()
            transaction = nil
            checkHELO(context)
        case .mail(let path, let parameters):
            mail(path, parameters, context)
        case .rcpt(let path, let parameters):
            rcpt(path, parameters, context)
        case .data:
            data(context)
        case .bdat(let size, let last):
            bdat(size: size, last: last, context)
        case .rset:
            transaction = nil
            reply(.ok, context)
        case .noop:
            reply(.ok, context)
        case .quit:
            close(with: .closing(domain: configuration.hostname), context)
        case .vrfy:
            reply(.cannotVerify, context)
        case .expn:
            fail(.commandNotImplemented.withMessage("EXPN is not available"), context)
        case .help:
            reply(.help(["Hato SMTP; see RFC 5321", "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY STARTTLS AUTH HELP"]), context)
        case .startTLS:
            startTLS(context)
        case .auth(let mechanism, let initialResponse):
            startAuth(mechanism: mechanism, initialResponse: initialResponse, context)
        }
    }

    // RFC 5321 §4.1.1.2 MAIL, RFC 6409 §4 submission rules; policy (SPF, sender addresses) is
    // the reception stages' (Sources/Reception).
    func mail(_ path: SMTPReversePath, _ parameters: SMTPMailParameters, _ context: ChannelHandlerContext) {
        guard helo != nil else { return fail(.badSequence.withMessage("Send EHLO or HELO first"), context) }
        guard transaction == nil else { return fail(.badSequence.withMessage("Nested MAIL command"), context) }
        if configuration.profile == .submission && account == nil {
            return fail(SMTPError(530, SMTPEnhancedStatusCode(5, 7, 0)!, "Authentication required"), context)
        }
        if let size = parameters.size, size > configuration.limits.maxMessageSize {
            return fail(.messageTooLarge.withMessage("Message size exceeds fixed maximum message size"), context)
        }
        let sender: EmailAddress?
        switch path {
        case .null:
            sender = nil
        case .path(let smtpPath):
            guard let address = try? EmailAddress(smtpPath.mailbox.description) else {
                return fail(.badSenderAddressSyntax.withMessage("Sender address not acceptable here"), context)
            }
            sender = address
        }
        let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let candidate = ReceptionTransaction(id: String(id), mailFrom: sender, parameters: parameters)
        guard server.pipeline.runs(.mailFrom) else {
            transaction = Transaction(candidate)
            return reply(.senderOK, context)
        }
        let pipeline = server.pipeline, client = receptionClient
        perform(context) {
            var checked = candidate
            let refusal = await pipeline.mailFrom(&checked, client: client)
            let accepted = checked
            return { handler, context in
                if let refusal { return handler.refuse(refusal, context) }
                handler.transaction = Transaction(accepted)
                handler.reply(.senderOK, context)
            }
        }
    }

    // RFC 5321 §4.1.1.3 RCPT; where it goes and whether we relay is the reception stages'.
    func rcpt(_ path: SMTPForwardPath, _ parameters: SMTPRcptParameters, _ context: ChannelHandlerContext) {
        guard let current = transaction else { return fail(.badSequence.withMessage("Need MAIL before RCPT"), context) }
        guard current.reception.recipients.count < configuration.limits.maxRecipients else { return fail(.tooManyRecipients, context) }
        let text: String
        switch path {
        case .postmaster: text = "postmaster@\(configuration.hostname)"
        case .path(let smtpPath): text = smtpPath.mailbox.description
        }
        guard let address = try? EmailAddress(text) else {
            return refuse(ReceptionRefusal(553, SMTPEnhancedStatusCode(5, 1, 3)!, "Recipient address not acceptable here"), context)
        }
        let isPostmaster = if case .postmaster = path { true } else { false }
        let candidate = ReceptionRecipient(address: address, parameters: parameters, isBarePostmaster: isPostmaster)
        let pipeline = server.pipeline, client = receptionClient, reception = current.reception
        let dsn = DSNRequest(notify: parameters.notify, originalRecipient: parameters.originalRecipient)
        perform(context) {
            var recipient = candidate
            let refusal = await pipeline.recipient(&recipient, transaction: reception, client: client)
            let resolved = recipient
            return { handler, context in
                if let refusal { return handler.refuse(refusal, context) }
                guard let resolution = resolved.resolution else {
                    return handler.refuse(ReceptionRefusal(550, SMTPEnhancedStatusCode(5, 1, 1)!, "No such user here"), context)
                }
                handler.transaction?.reception.recipients.append(
                    AcceptedRecipient(address: resolved.address, resolution: resolution, dsn: dsn))
                handler.reply(.recipientOK, context)
            }
        }
    }
}
