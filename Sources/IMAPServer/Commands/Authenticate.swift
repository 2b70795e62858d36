import IMAPProtocol
import MailCore
import NIOCore
import SASL

extension IMAPSessionHandler {
    /// RFC 9051 §6.2.2 with RFC 4959 SASL-IR: challenges as `+ base64`, `*` cancels (BAD).
    /// The mechanisms and their checks are the SASL target's, shared with SMTP and POP3.
    func authenticate(_ tag: String, _ mechanism: String, _ initialResponse: String?, _ context: ChannelHandlerContext) {
        let created: SASLServerExchange
        switch SASLServerExchange.begin(
            mechanism: mechanism, policy: server.configuration.sasl, tlsActive: tlsActive, loopback: connection.isLoopback,
            throttle: server.throttle, client: connection.remoteIP, lookup: server.store.saslCredentialLookup,
            configuration: server.saslConfiguration, channelBinding: connection.channelBinding) {
        case .failure(let failure): return sendAuthFailure(tag, failure, context)
        case .success(let exchange): created = exchange
        }
        perform(context) {
            var exchange = created
            let action = await exchange.start(initialResponse: initialResponse)
            let finished = exchange
            return { handler, context in handler.handleSASL(tag, action, finished, context) }
        }
    }

    /// One continuation line during AUTHENTICATE.
    func authenticationResponse(_ response: IMAPSASLResponse?, _ context: ChannelHandlerContext) {
        decoder.setMode(.command)
        guard let pending = authExchange else { return }
        authExchange = nil
        let tag = pending.tag, current = pending.exchange
        let line: String
        switch response {
        case .cancel: line = "*"
        case .data(let bytes): line = IMAPSASLResponse.encodeBase64(bytes)
        case nil: return sendAuthFailure(tag, .invalidBase64, context)
        }
        perform(context) {
            var exchange = current
            let action = await exchange.receive(line: line)
            let finished = exchange
            return { handler, context in handler.handleSASL(tag, action, finished, context) }
        }
    }

    func handleSASL(_ tag: String, _ action: SASLServerExchange.Action, _ exchange: SASLServerExchange,
                    _ context: ChannelHandlerContext) {
        switch action {
        case .challenge(let text):
            authExchange = (tag, exchange)
            decoder.setMode(.authenticationResponse)
            send(context, .challenge(SASLBase64.decode(text) ?? []))
        case .failure, .success:
            finishLogin(tag, action, username: exchange.attemptedUsername, attempt: exchange.attempt, context)
        }
    }
}
