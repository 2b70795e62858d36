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
        let created: SASLServerExchange
        switch SASLServerExchange.begin(
            mechanism: mechanism, policy: server.configuration.sasl, tlsActive: tlsActive, loopback: connection.isLoopback,
            throttle: server.throttle, client: connection.remoteIP, lookup: server.store.saslCredentialLookup,
            configuration: server.saslConfiguration, channelBinding: connection.channelBinding) {
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
        if case .challenge(let text) = action {
            authExchange = exchange
            return send(context) { POP3Response.continuation(text, into: &$0) }
        }
        finishLogin(action, username: exchange.attemptedUsername, attempt: exchange.attempt, context)
    }

    /// Ends AUTH or USER/PASS: settles the attempt's throttle reservation and answers only after its
    /// delay (successes too, so a quick answer never betrays a right guess); other pipelined
    /// commands wait behind the reply.
    func finishLogin(_ action: SASLServerExchange.Action, username: String?, attempt: AuthAttempt?, _ context: ChannelHandlerContext) {
        if case .failure(let failure) = action, failure.isFailedCredentialCheck {
            logger.notice("authentication failed", metadata: ["user": "\(LogSafe.escaped(username))"])
        }
        let delay = attempt?.settle(action) ?? .zero
        guard delay > .zero else { return completeLogin(action, context) }
        perform(context) {
            try? await Task.sleep(for: delay)
            return { handler, context in handler.completeLogin(action, context) }
        }
    }

    private func completeLogin(_ action: SASLServerExchange.Action, _ context: ChannelHandlerContext) {
        switch action {
        case .challenge: return
        case .failure(let failure): sendFailure(failure, context)
        case .success(let identity, _): openMaildrop(username: identity.username, context)
        }
    }

    func sendFailure(_ failure: SASLFailure, _ context: ChannelHandlerContext) {
        let reply = failure.pop3Reply
        let code = reply.responseCode.flatMap(POP3ResponseCode.init(rawValue:))
        send(context) { POP3Response.error(reply.text, code: code, into: &$0) }
    }
}
