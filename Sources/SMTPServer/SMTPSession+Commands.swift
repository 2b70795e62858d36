import Foundation
import LocalDelivery
import MailCore
import Reception
import SMTPProtocol

extension SMTPSession {
    /// The EHLO keywords (RFC 5321 §4.1.1.1), as they are now.
    var capabilities: [SMTPCapability] {
        var list: [SMTPCapability] = [.pipelining, .size(settings.limits.maxMessageSize), .eightBitMIME, .smtpUTF8,
                                      .enhancedStatusCodes, .chunking, .dsn]
        if !tlsActive && settings.startTLSAvailable { list.append(.startTLS) }
        // RFC 8689 §2: REQUIRETLS is only valid on a TLS session, so it is offered only there.
        if tlsActive { list.append(.requireTLS) }
        // RFC 4954 §4 and the brief: no mechanism that sends a password is offered before TLS
        // (loopback excepted); on port 25 AUTH is offered only after STARTTLS.
        if account == nil && (settings.profile == .submission || tlsActive) {
            let mechanisms = settings.sasl.advertised(
                tlsActive: tlsActive, loopback: settings.loopback,
                channelBindingAvailable: tlsActive && settings.channelBindingAvailable(), cramMD5Enabled: true)
            if !mechanisms.isEmpty { list.append(.auth(mechanisms.map(\.rawValue))) }
        }
        return list
    }

    /// One parsed command in the current state (RFC 5321 §4.1.1, §4.1.4 for the order).
    mutating func execute(_ command: SMTPCommand) -> [SMTPAction] {
        switch command {
        case .ehlo(let host), .helo(let host):
            helo = host.description
            esmtp = { if case .ehlo = command { true } else { false } }()
            transaction = nil
            guard settings.phases.contains(.helo) else { return answerHELO() }
            return run(.helo(receptionClient))
        case .mail(let path, let parameters):
            return mail(path, parameters)
        case .rcpt(let path, let parameters):
            return rcpt(path, parameters)
        case .data:
            return data()
        case .bdat(let size, let last):
            return bdat(size: size, last: last)
        case .rset:
            transaction = nil
            return [.send(.ok)]
        case .noop:
            return [.send(.ok)]
        case .quit:
            return close(with: .closing(domain: settings.hostname))
        case .vrfy:
            return [.send(.cannotVerify)]
        case .expn:
            return fail(.expnUnavailable)
        case .help:
            return [.send(.help(["Hato SMTP; see RFC 5321",
                                 "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY STARTTLS AUTH HELP"]))]
        case .startTLS:
            return startTLS()
        case .auth(let mechanism, let initialResponse):
            return startAuth(mechanism: mechanism, initialResponse: initialResponse)
        }
    }

    /// RFC 5321 §4.1.1.1: the EHLO reply lists the extensions; HELO gets the plain 250.
    mutating func answerHELO() -> [SMTPAction] {
        guard esmtp else { return [.send(.helo(domain: settings.hostname))] }
        let greeting = "Hello \(TraceHeaders.sanitize(helo ?? ""))"
        return [.send(.ehlo(domain: settings.hostname, greeting: greeting, capabilities: capabilities))]
    }

    // RFC 5321 §4.1.1.2 MAIL, RFC 6409 §4 submission rules; policy (SPF, sender addresses) is
    // the reception stages' (Sources/Reception).
    private mutating func mail(_ path: SMTPReversePath, _ parameters: SMTPMailParameters) -> [SMTPAction] {
        guard helo != nil else { return fail(.heloFirst) }
        guard transaction == nil else { return fail(.nestedMail) }
        if settings.profile == .submission && account == nil { return fail(.authenticationRequired) }
        if let size = parameters.size, size > settings.limits.maxMessageSize { return fail(.declaredSizeTooLarge) }
        if parameters.requireTLS && !tlsActive { return fail(.requireTLSWithoutTLS) }
        let sender: EmailAddress?
        switch path {
        case .null:
            sender = nil
        case .path(let smtpPath):
            guard let address = try? EmailAddress(smtpPath.mailbox.description) else { return fail(.senderNotAcceptable) }
            sender = address
        }
        let id = UUID.random().lowercaseHex.prefix(16)
        let candidate = ReceptionTransaction(id: String(id), mailFrom: sender, parameters: parameters)
        guard settings.phases.contains(.mailFrom) else {
            transaction = Transaction(candidate)
            return [.send(.senderOK)]
        }
        return run(.mailFrom(candidate, receptionClient))
    }

    // RFC 5321 §4.1.1.3 RCPT; where it goes and whether we relay is the reception stages'.
    private mutating func rcpt(_ path: SMTPForwardPath, _ parameters: SMTPRcptParameters) -> [SMTPAction] {
        guard let reception = transaction?.reception else { return fail(.rcptBeforeMail) }
        guard reception.recipients.count < settings.limits.maxRecipients else { return fail(.tooManyRecipients) }
        let text: String
        switch path {
        case .postmaster: text = "postmaster@\(settings.hostname)"
        case .path(let smtpPath): text = smtpPath.mailbox.description
        }
        guard let address = try? EmailAddress(text) else {
            return fail(.refused(ReceptionRefusal(553, SMTPEnhancedStatusCode(5, 1, 3)!, "Recipient address not acceptable here")))
        }
        let isPostmaster = if case .postmaster = path { true } else { false }
        let candidate = ReceptionRecipient(address: address, parameters: parameters, isBarePostmaster: isPostmaster)
        let dsn = DSNRequest(notify: parameters.notify, originalRecipient: parameters.originalRecipient)
        return run(.recipient(candidate, dsn: dsn, transaction: reception, client: receptionClient))
    }

    /// The RCPT stages are done: a recipient no stage could place is unknown here.
    mutating func accept(_ recipient: ReceptionRecipient, dsn: DSNRequest) -> [SMTPAction] {
        guard let resolution = recipient.resolution else {
            return fail(.refused(ReceptionRefusal(550, SMTPEnhancedStatusCode(5, 1, 1)!, "No such user here")))
        }
        transaction?.reception.recipients.append(AcceptedRecipient(address: recipient.address, resolution: resolution, dsn: dsn))
        return [.send(.recipientOK)]
    }

    /// The client as the stages see it, from the session state now.
    var receptionClient: ReceptionClient {
        var client = ReceptionClient(hostname: settings.hostname, listener: settings.profile,
                                     remoteIP: settings.remoteIP, logger: logger)
        client.helo = helo
        client.esmtp = esmtp
        client.tls = tlsActive ? (settings.tlsDescription() ?? "TLS") : nil
        client.account = account
        return client
    }
}
