import Foundation
import MailCore
import MailStore
import NIOCore
import POP3Protocol
import SASL

extension POP3SessionHandler {
    var advertisedMechanisms: [SASLMechanismName] {
        server.configuration.sasl.advertised(
            tlsActive: tlsActive, loopback: connection.isLoopback, channelBindingAvailable: false, cramMD5Enabled: false)
    }

    /// RFC 5034 AUTH: challenges as "+ base64", responses as lines, "*" cancels.
    func startAuth(mechanism: String, initialResponse: String?, _ context: ChannelHandlerContext) {
        let created: SASLServerExchange
        switch SASLServerExchange.begin(
            mechanism: mechanism, policy: server.configuration.sasl, tlsActive: tlsActive, loopback: connection.isLoopback,
            throttle: server.throttle, client: connection.remoteIP, lookup: server.store.saslCredentialLookup,
            configuration: server.saslConfiguration) {
        case .failure(let failure): return sendFailure(failure, context)
        case .success(let exchange): created = exchange
        }
        perform(context) {
            var exchange = created
            let action = await exchange.start(initialResponse: initialResponse)
            let finished = exchange
            return { handler, context in handler.handleSASL(action, finished, context) }
        }
    }

    func authResponse(_ line: String, _ context: ChannelHandlerContext) {
        guard let current = authExchange else { return }
        authExchange = nil
        perform(context) {
            var exchange = current
            let action = await exchange.receive(line: line)
            let finished = exchange
            return { handler, context in handler.handleSASL(action, finished, context) }
        }
    }

    func handleSASL(_ action: SASLServerExchange.Action, _ exchange: SASLServerExchange, _ context: ChannelHandlerContext) {
        switch action {
        case .challenge(let text):
            authExchange = exchange
            send(context) { POP3Response.continuation(text, into: &$0) }
        case .failure(let failure):
            if failure.isFailedCredentialCheck {
                _ = server.throttle.recordFailure(client: connection.remoteIP, account: exchange.attemptedUsername)
                logger.notice("authentication failed", metadata: ["user": "\(exchange.attemptedUsername ?? "-")"])
            }
            sendFailure(failure, context)
        case .success(let identity, _):
            server.throttle.recordSuccess(client: connection.remoteIP, account: identity.username)
            openMaildrop(username: identity.username, context)
        }
    }

    func sendFailure(_ failure: SASLFailure, _ context: ChannelHandlerContext) {
        let reply = failure.pop3Reply
        let code = reply.responseCode.flatMap(POP3ResponseCode.init(rawValue:))
        send(context) { POP3Response.error(reply.text, code: code, into: &$0) }
    }
}
