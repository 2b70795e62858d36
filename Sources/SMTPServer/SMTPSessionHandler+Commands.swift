import Foundation
import LocalDelivery
import MailCore
import MailStore
import DNSMessage
import MailAuth
import NIOCore
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
            if esmtp {
                reply(.ehlo(domain: configuration.hostname, greeting: "Hello \(TraceHeaders.sanitize(host.description))", capabilities: capabilities), context)
            } else {
                reply(.helo(domain: configuration.hostname), context)
            }
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

    // RFC 5321 §4.1.1.2 MAIL, RFC 6409 §4 submission rules.
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
        guard let account else {
            guard let spf = configuration.spf, configuration.profile == .mx else {
                transaction = Transaction(mailFrom: sender, parameters: parameters)
                return reply(.senderOK, context)
            }
            return checkSPF(spf, sender: sender, parameters: parameters, context)
        }
        // The authenticated user may only send as their own addresses (own, +tag, aliases that reach them).
        guard let sender else {
            transaction = Transaction(mailFrom: nil, parameters: parameters)
            return reply(.senderOK, context)
        }
        let store = server.store
        perform(context) {
            let allowed = await SenderPolicy.mayUse(sender, account: account, store: store)
            return { handler, context in
                guard allowed else {
                    return handler.fail(SMTPError(553, SMTPEnhancedStatusCode(5, 7, 1)!, "Sender address <\(sender)> does not belong to \(account.address)"), context)
                }
                handler.transaction = Transaction(mailFrom: sender, parameters: parameters)
                handler.reply(.senderOK, context)
            }
        }
    }

    /// RFC 7208 §2.4: SPF for the MAIL FROM identity (postmaster@HELO for `<>`), acted on as
    /// configured; the outcome travels with the transaction to the delivery headers.
    func checkSPF(_ policy: SPFPolicy, sender: EmailAddress?, parameters: SMTPMailParameters, _ context: ChannelHandlerContext) {
        guard let ip = IPAddress(connection.remoteIP) else {
            transaction = Transaction(mailFrom: sender, parameters: parameters)
            return reply(.senderOK, context)
        }
        let verifier = SPFVerifier(resolver: policy.resolver, receivingHost: configuration.hostname)
        let helo = self.helo ?? "unknown", logger = self.logger
        perform(context) {
            let outcome = await verifier.checkMailFrom(ip: ip, mailFrom: sender?.description ?? "", helo: helo)
            // RFC 7208 §2.3 recommends checking the HELO identity separately too; with `<>` the
            // MAIL FROM check above already was the HELO check.
            let heloOutcome = sender == nil ? nil : await verifier.checkHELO(ip: ip, helo: helo)
            logger.info("spf", metadata: ["result": "\(outcome.result.rawValue)", "domain": "\(outcome.domain)",
                                          "helo": "\(heloOutcome?.result.rawValue ?? "-")"])
            return { handler, context in
                if outcome.result == .fail && policy.fail == .reject {
                    let why = outcome.explanation.map { ": \($0)" } ?? ""
                    return handler.fail(SMTPError(550, SMTPEnhancedStatusCode(5, 7, 23)!, "SPF validation failed\(why)"), context)
                }
                if outcome.result == .temperror && policy.temperror == .defer {
                    return handler.fail(SMTPError(451, SMTPEnhancedStatusCode(4, 7, 24)!, "SPF validation error, try again later"), context)
                }
                var transaction = Transaction(mailFrom: sender, parameters: parameters)
                transaction.spf = outcome
                transaction.spfHELO = heloOutcome
                handler.transaction = transaction
                handler.reply(.senderOK, context)
            }
        }
    }

    // RFC 5321 §4.1.1.3 RCPT; relaying only for authenticated clients (§3.6, "no open relay").
    func rcpt(_ path: SMTPForwardPath, _ parameters: SMTPRcptParameters, _ context: ChannelHandlerContext) {
        guard let current = transaction else { return fail(.badSequence.withMessage("Need MAIL before RCPT"), context) }
        guard current.recipients.count < configuration.limits.maxRecipients else { return fail(.tooManyRecipients, context) }
        let text: String
        switch path {
        case .postmaster: text = "postmaster@\(configuration.hostname)"
        case .path(let smtpPath): text = smtpPath.mailbox.description
        }
        guard let address = try? EmailAddress(text) else {
            return fail(SMTPError(550, SMTPEnhancedStatusCode(5, 7, 1)!, "Relaying denied"), context)
        }
        let store = server.store, authenticated = account != nil, size = current.parameters.size ?? 0
        let notify = parameters.notify.map(Self.notifyText)
        let orcpt = parameters.originalRecipient.map { "\($0.addressType);\($0.address)" }
        perform(context) {
            let resolution: RecipientResolution
            do { resolution = try await store.resolveRecipient(address) } catch {
                return { handler, context in handler.fail(SMTPError(451, SMTPEnhancedStatusCode(4, 3, 0)!, "Temporary lookup failure"), context) }
            }
            let outcome: Result<RecipientResolution, SMTPError> = switch resolution {
            case .notLocal where authenticated: .success(.mixed(local: [], remote: [address]))
            case .notLocal: .failure(SMTPError(550, SMTPEnhancedStatusCode(5, 7, 1)!, "Relaying denied"))
            case .unknownUser: .failure(SMTPError(550, SMTPEnhancedStatusCode(5, 1, 1)!, "No such user here"))
            case .local(let accounts), .mixed(let accounts, _):
                if let full = accounts.first(where: { Self.wouldExceedQuota($0, size: size) }) {
                    .failure(SMTPError(452, SMTPEnhancedStatusCode(4, 2, 2)!, "Mailbox full: \(full.address)"))
                } else {
                    .success(resolution)
                }
            }
            return { handler, context in
                switch outcome {
                case .failure(let error): handler.fail(error, context)
                case .success(let resolution):
                    handler.transaction?.recipients.append(
                        AcceptedRecipient(address: address, resolution: resolution, notify: notify, originalRecipient: orcpt))
                    handler.reply(.recipientOK, context)
                }
            }
        }
    }

    static func wouldExceedQuota(_ account: Account, size: Int) -> Bool {
        if let max = account.quota.maxMessages, account.usage.messages + 1 > max { return true }
        if let max = account.quota.maxBytes, account.usage.bytes + Int64(size) > max { return true }
        return false
    }

    static func notifyText(_ notify: SMTPDSNNotify) -> String {
        if notify.isEmpty { return "NEVER" }
        var words: [String] = []
        if notify.contains(.success) { words.append("SUCCESS") }
        if notify.contains(.failure) { words.append("FAILURE") }
        if notify.contains(.delay) { words.append("DELAY") }
        return words.joined(separator: ",")
    }
}

/// Which envelope and header senders an authenticated user may use: the account's
/// `SenderAddressPolicy` (`hato account sender-policy`).
enum SenderPolicy {
    /// `own`: their own address (also with +tag), or an alias address that delivers to them;
    /// `domain`: any address of their domain; `any`: anything.
    static func mayUse(_ sender: EmailAddress, account: Account, store: any MailStore) async -> Bool {
        switch account.senderPolicy {
        case .any: return true
        case .domain: if sender.domain == account.address.domain { return true }
        case .own: break
        }
        let own = account.address.canonical
        if sender.canonical == own || sender.removingSubaddress()?.canonical == own { return true }
        for candidate in [sender, sender.removingSubaddress()].compactMap({ $0 }) {
            if let alias = try? await store.alias(.address(candidate)), alias.targets.contains(where: { $0.canonical == own }) {
                return true
            }
        }
        return false
    }
}
