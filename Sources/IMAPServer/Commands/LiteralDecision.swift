import IMAPProtocol
import MailStore
import NIOCore
import ServerRuntime

extension IMAPSessionHandler {
    /// A synchronizing literal waits for our `+`. APPEND data above the message size limit or the
    /// account's quota is refused now, before the client sends it (RFC 7888 §4, RFC 9208 §4.3
    /// OVERQUOTA, RFC 4469 TOOBIG); other literals only have to be small.
    func decideLiteral(_ literal: IMAPPendingLiteral, _ context: ChannelHandlerContext) {
        let size = literal.header.size
        let limits = server.configuration
        guard literal.commandName == "APPEND" else {
            guard size <= limits.maxOtherLiteralSize else {
                decoder.rejectLiteral()
                return send(context, .status(tag: literal.tag, .bad, code: .tooBig, text: "literal too large for this command"))
            }
            return acceptLiteral(context)
        }
        guard size <= limits.limits.maxLiteralSize else {
            decoder.rejectLiteral()
            return send(context, .status(tag: literal.tag, .no, code: .tooBig,
                                         text: "message larger than the limit of \(limits.limits.maxLiteralSize) octets"))
        }
        guard let user = state.user else {
            // No large literal is taken from a client that has not logged in.
            decoder.rejectLiteral()
            return send(context, .status(tag: literal.tag, .no, text: "APPEND needs an authenticated session; log in first"))
        }
        let store = server.store, tag = literal.tag
        perform(context) {
            let account = try? await store.account(id: user.accountID)
            var overQuota = false
            if let account {
                if let max = account.quota.maxBytes, account.usage.bytes + Int64(size) > max { overQuota = true }
                if let max = account.quota.maxMessages, account.usage.messages + 1 > max { overQuota = true }
            }
            let refuse = overQuota
            return { handler, context in
                guard refuse else { return handler.acceptLiteral(context) }
                handler.decoder.rejectLiteral()
                handler.send(context, .status(tag: tag, .no, code: .overQuota, text: "the message would exceed your quota"))
            }
        }
    }

    func acceptLiteral(_ context: ChannelHandlerContext) {
        decoder.acceptLiteral()
        askForLiteral(context)
    }

    /// RFC 9051 §7.5 continuation request for a synchronizing literal; the literal that follows
    /// is acknowledged at once (see `TCPQuickAck`).
    func askForLiteral(_ context: ChannelHandlerContext) {
        send(context, .continuation("Ready for literal data"))
        TCPQuickAck.request(on: context.channel)
    }
}
