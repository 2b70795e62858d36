import Foundation
import MailCore
import MailStore
import NIOCore
import SASL
import SMTPProtocol
import ServerRuntime

extension SMTPSessionHandler {
    /// RFC 3207 §4.2: after 220 the client starts TLS; every byte it sent before the handshake is
    /// dropped (CVE-2011-0411 class), and the session forgets HELO, MAIL and RCPT.
    func startTLS(_ context: ChannelHandlerContext) {
        guard !tlsActive, let tls = connection.tls else {
            decoder.continueCommands()
            return fail(tlsActive ? .badSequence.withMessage("TLS already active") : .commandNotImplemented, context)
        }
        reply(.readyToStartTLS, context)
        let dropped = decoder.discardBufferedInput(&inbound.buffer)
        if dropped > 0 { logger.notice("dropped input pipelined after STARTTLS", metadata: ["octets": "\(dropped)"]) }
        tlsActive = true
        helo = nil
        esmtp = false
        transaction = nil
        let channel = context.channel
        tls.startTLS(on: channel, state: connection.tlsState).whenComplete { [logger] result in
            if case .failure(let error) = result {
                logger.info("STARTTLS failed", metadata: ["error": "\(error)"])
                channel.close(promise: nil)
            }
        }
    }

    /// RFC 4954 AUTH.
    func startAuth(mechanism: String, initialResponse: String?, _ context: ChannelHandlerContext) {
        guard account == nil else { return fail(.badSequence.withMessage("Already authenticated"), context) }
        guard transaction == nil else { return fail(.badSequence.withMessage("AUTH not allowed during a mail transaction"), context) }
        guard configuration.profile == .submission || tlsActive else {
            return fail(SMTPError(538, SMTPEnhancedStatusCode(5, 7, 11)!, "Encryption required for requested authentication mechanism"), context)
        }
        let created: SASLServerExchange
        switch SASLServerExchange.begin(
            mechanism: mechanism, policy: configuration.sasl, tlsActive: tlsActive, loopback: connection.isLoopback,
            throttle: server.throttle, client: connection.remoteIP, lookup: server.store.saslCredentialLookup,
            configuration: server.saslConfiguration, channelBinding: connection.channelBinding) {
        case .failure(let failure): return failSASL(failure, context)
        case .success(let exchange): created = exchange
        }
        perform(context) {
            var exchange = created
            let action = await exchange.start(initialResponse: initialResponse)
            let finished = exchange
            return { handler, context in handler.handleSASL(action, exchange: finished, context) }
        }
    }

    func authResponse(_ line: String, _ context: ChannelHandlerContext) {
        guard let current = auth else { return }
        auth = nil
        perform(context) {
            var exchange = current
            let action = await exchange.receive(line: line)
            let finished = exchange
            return { handler, context in handler.handleSASL(action, exchange: finished, context) }
        }
    }

    func handleSASL(_ action: SASLServerExchange.Action, exchange: SASLServerExchange, _ context: ChannelHandlerContext) {
        if case .challenge(let text) = action {
            auth = exchange
            decoder.expectSASLResponse()
            return reply(.authChallenge(text), context)
        }
        if case .failure(let failure) = action, failure.isFailedCredentialCheck {
            logger.notice("authentication failed", metadata: ["user": "\(LogSafe.escaped(exchange.attemptedUsername))"])
        }
        // Brute-force throttling: the attempt was counted before its credentials were read; its
        // reply, success or failure, waits for the throttle's delay, and other commands behind it.
        let delay = exchange.attempt?.settle(action) ?? .zero
        guard delay > .zero else { return finishSASL(action, context) }
        perform(context) {
            try? await Task.sleep(for: delay)
            return { handler, context in handler.finishSASL(action, context) }
        }
    }

    private func finishSASL(_ action: SASLServerExchange.Action, _ context: ChannelHandlerContext) {
        switch action {
        case .challenge:
            return
        case .failure(let failure):
            failSASL(failure, context)
        case .success(let identity, _):
            let store = server.store
            perform(context) {
                let address = try? EmailAddress(identity.username)
                let account: Account? = if let address { try? await store.account(address) } else { nil }
                return { handler, context in
                    guard let account else { return handler.failSASL(.invalidCredentials, context) }
                    handler.account = account
                    handler.logger.info("authenticated", metadata: ["user": "\(account.address)", "mechanism": "\(identity.mechanism.rawValue)"])
                    let success = SASLReplies.smtpSuccess
                    handler.reply(SMTPReply(success.code, SMTPEnhancedStatusCode(success.enhancedCode), success.text), context)
                }
            }
        }
    }

    func failSASL(_ failure: SASLFailure, _ context: ChannelHandlerContext) {
        let smtp = failure.smtpReply
        let error = SMTPError(smtp.code, SMTPEnhancedStatusCode(smtp.enhancedCode) ?? SMTPEnhancedStatusCode(5, 7, 8)!, smtp.text)
        // Failed logins are not protocol errors: they do not count towards maxErrors.
        if smtp.code / 100 == 5 { errors -= 1 }
        fail(error, context)
    }
}
