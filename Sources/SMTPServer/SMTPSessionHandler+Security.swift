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
        let tlsActive = self.tlsActive, connection = self.connection, authenticator = server.authenticator, logger = self.logger
        runLogin(context) {
            await SASLLogin.begin(mechanism: mechanism, initialResponse: initialResponse, tlsActive: tlsActive,
                                  connection: connection, authenticator: authenticator, logger: logger)
        }
    }

    /// The client's line after a 334 challenge.
    func authResponse(_ line: String, _ context: ChannelHandlerContext) {
        guard let login = auth else { return }
        auth = nil
        runLogin(context) { await login.respond(line) }
    }

    private func runLogin(_ context: ChannelHandlerContext, _ step: @escaping @Sendable () async -> SASLLogin.Step) {
        perform(context) {
            let next = await step()
            return { handler, context in handler.handleLogin(next, context) }
        }
    }

    private func handleLogin(_ step: SASLLogin.Step, _ context: ChannelHandlerContext) {
        switch step {
        case .challenge(let text, let login):
            auth = login
            decoder.expectSASLResponse()
            reply(.authChallenge(text), context)
        case .refused(let failure):
            failSASL(failure, context)
        case .authenticated(let identity):
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
