import IMAPProtocol
import MailCore
import NIOCore
import SASL
import ServerRuntime

extension IMAPSessionHandler {
    /// RFC 9051 §6.2.2 with RFC 4959 SASL-IR: challenges as `+ base64`, `*` cancels (BAD).
    /// The mechanisms and their checks are the SASL target's, shared with SMTP and POP3.
    func authenticate(_ tag: String, _ mechanism: String, _ initialResponse: String?, _ context: ChannelHandlerContext) {
        let tlsActive = self.tlsActive, connection = self.connection, authenticator = server.authenticator, logger = self.logger
        runLogin(tag, context) {
            await SASLLogin.begin(mechanism: mechanism, initialResponse: initialResponse, tlsActive: tlsActive,
                                  connection: connection, authenticator: authenticator, logger: logger)
        }
    }

    /// One continuation line during AUTHENTICATE.
    func authenticationResponse(_ response: IMAPSASLResponse?, _ context: ChannelHandlerContext) {
        decoder.setMode(.command)
        guard let pending = authExchange else { return }
        authExchange = nil
        let tag = pending.tag, login = pending.login
        let line: String
        switch response {
        case .cancel: line = "*"
        case .data(let bytes): line = IMAPSASLResponse.encodeBase64(bytes)
        case nil: return sendAuthFailure(tag, .invalidBase64, context)
        }
        runLogin(tag, context) { await login.respond(line) }
    }

    /// Runs one step of LOGIN or AUTHENTICATE (`SASLLogin`: throttle, log line and reply delay
    /// shared with SMTP and POP3). Pipelined commands wait behind the reply.
    func runLogin(_ tag: String, _ context: ChannelHandlerContext, _ step: @escaping @Sendable () async -> SASLLogin.Step) {
        perform(context) {
            let next = await step()
            return { handler, context in handler.handleLogin(tag, next, context) }
        }
    }

    private func handleLogin(_ tag: String, _ step: SASLLogin.Step, _ context: ChannelHandlerContext) {
        switch step {
        case .challenge(let text, let login):
            authExchange = (tag, login)
            decoder.setMode(.authenticationResponse)
            send(context, .challenge(SASLBase64.decode(text) ?? []))
        case .refused(let failure):
            sendAuthFailure(tag, failure, context)
        case .authenticated(let identity):
            let store = server.store
            perform(context) {
                guard let address = try? EmailAddress(identity.username),
                      let account = try? await store.account(address) else {
                    return { handler, context in handler.sendAuthFailure(tag, .invalidCredentials, context) }
                }
                return { handler, context in
                    handler.loggedIn(tag, AuthenticatedUser(accountID: account.id, address: account.address), context)
                }
            }
        }
    }
}
