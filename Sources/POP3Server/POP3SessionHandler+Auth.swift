import Foundation
import MailCore
import MailStore
import NIOCore
import POP3Protocol
import SASL
import ServerRuntime

extension POP3SessionHandler {
    var advertisedMechanisms: [SASLMechanismName] {
        server.configuration.sasl.advertised(
            tlsActive: tlsActive, loopback: connection.isLoopback,
            channelBindingAvailable: tlsActive && connection.channelBinding != nil, cramMD5Enabled: true)
    }

    /// RFC 5034 AUTH: challenges as "+ base64", responses as lines, "*" cancels.
    func startAuth(mechanism: String, initialResponse: String?, _ context: ChannelHandlerContext) {
        let tlsActive = self.tlsActive, connection = self.connection, authenticator = server.authenticator, logger = self.logger
        runLogin(context) {
            await SASLLogin.begin(mechanism: mechanism, initialResponse: initialResponse, tlsActive: tlsActive,
                                  connection: connection, authenticator: authenticator, logger: logger)
        }
    }

    /// USER/PASS (RFC 1939 §7): the same password check, dummy work for unknown users, throttle
    /// and reply delay as AUTH PLAIN.
    func login(user: String, password: String, _ context: ChannelHandlerContext) {
        let connection = self.connection, authenticator = server.authenticator, logger = self.logger
        runLogin(context) {
            await SASLLogin.password(username: user, password: password, connection: connection, authenticator: authenticator, logger: logger)
        }
    }

    func authResponse(_ line: String, _ context: ChannelHandlerContext) {
        guard let login = authExchange else { return }
        authExchange = nil
        runLogin(context) { await login.respond(line) }
    }

    /// Other pipelined commands wait behind the reply, which comes after the throttle's delay.
    private func runLogin(_ context: ChannelHandlerContext, _ step: @escaping @Sendable () async -> SASLLogin.Step) {
        perform(context) {
            let next = await step()
            return { handler, context in handler.handleLogin(next, context) }
        }
    }

    private func handleLogin(_ step: SASLLogin.Step, _ context: ChannelHandlerContext) {
        switch step {
        case .challenge(let text, let login):
            authExchange = login
            send(context) { POP3Response.continuation(text, into: &$0) }
        case .refused(let failure): sendFailure(failure, context)
        case .authenticated(let identity): openMaildrop(username: identity.username, context)
        }
    }

    func sendFailure(_ failure: SASLFailure, _ context: ChannelHandlerContext) {
        let reply = failure.pop3Reply
        let code = reply.responseCode.flatMap(POP3ResponseCode.init(rawValue:))
        send(context) { POP3Response.error(reply.text, code: code, into: &$0) }
    }
}
