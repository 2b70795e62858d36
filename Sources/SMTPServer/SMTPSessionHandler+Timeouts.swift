import NIOCore
import SMTPProtocol

/// Inactivity timeouts (RFC 5321 §4.5.3.2). The server waits `commandTimeout` for the next
/// command line (§4.5.3.2.7, at least 5 minutes) and `dataTimeout` for the next bytes of message
/// content during DATA or BDAT (the data block timer of §4.5.3.2.5 seen from the server's side);
/// a client silent for longer hears 421 4.4.2 and is disconnected, so a stalled or slowloris
/// client cannot hold a connection slot forever.
extension SMTPSessionHandler {
    var waitingForContent: Bool {
        switch decoder.mode {
        case .data, .chunk: true
        case .commands, .held: false
        }
    }

    /// (Re)starts the inactivity timer for what the session waits for now; called after every
    /// read has been processed and after the greeting.
    func armTimer(_ context: ChannelHandlerContext) {
        timer?.cancel()
        guard !closed else { return }
        let content = waitingForContent
        let limit = content ? configuration.limits.dataTimeout : configuration.limits.commandTimeout
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: .nanoseconds(limit.nanoseconds)) {
            let (handler, context) = bound.value
            // A command still running against the store is ours to finish, not the client's delay.
            if handler.busy { return handler.armTimer(context) }
            handler.logger.info("closing idle session", metadata: ["waiting_for": content ? "message content" : "command"])
            let what = content ? "timeout waiting for message data" : "timeout, closing connection"
            handler.close(with: SMTPReply(421, SMTPEnhancedStatusCode(4, 4, 2), "\(handler.configuration.hostname) \(what)"), context)
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
