import IMAPProtocol
import NIOCore
import ServerRuntime

extension IMAPSessionHandler {
    /// RFC 9051 §6.2.1: after the tagged OK the client starts TLS. Anything it pipelined behind
    /// STARTTLS in plaintext is discarded (CVE-2011-0411 class); a second STARTTLS is refused,
    /// and the client must ask for CAPABILITY again (the greeting's list no longer holds).
    func startTLS(_ tag: String, _ context: ChannelHandlerContext) {
        guard !tlsActive else { return bad(tag, "TLS is already active", context) }
        guard let tls = connection.tls else { return no(tag, "TLS is not available on this listener", context) }
        ok(tag, "Begin TLS negotiation now", context)
        inbound.discardAll()
        decoder.reset()
        tlsActive = true
        let channel = context.channel
        tls.startTLS(on: channel, state: connection.tlsState).whenFailure { [logger] error in
            logger.info("STARTTLS failed", metadata: ["error": "\(LogSafe.escaped("\(error)"))"])
            channel.close(promise: nil)
        }
    }
}
