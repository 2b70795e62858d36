import NIOCore
import ServerRuntime
import POP3Protocol

/// Timeouts that bytes alone cannot extend, so a client trickling one byte now and then cannot
/// hold a session:
/// - RFC 1939 §3's autologout timer (at least 10 minutes) runs from the last complete command
///   line, not the last byte;
/// - a session that has not logged in `loginTimeout` after connecting is closed.
/// Either way the client hears `-ERR` and the connection closes; nothing is deleted (§6).
extension POP3SessionHandler {
    func armCommandTimer(_ context: ChannelHandlerContext) {
        commandTimer?.cancel()
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        commandTimer = context.eventLoop.scheduleTask(in: .nanoseconds(server.configuration.idleTimeout.wholeNanoseconds)) {
            let (handler, context) = bound.value
            // A command still running against the store is the server's wait, not the client's.
            if handler.busy { return handler.armCommandTimer(context) }
            handler.autologout("autologout: idle for too long", context)
        }
    }

    func armLoginDeadline(_ context: ChannelHandlerContext, in delay: Duration) {
        loginTimer?.cancel()
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        loginTimer = context.eventLoop.scheduleTask(in: .nanoseconds(delay.wholeNanoseconds)) {
            let (handler, context) = bound.value
            guard case .authorization = handler.state else { return }
            // A login being checked (or delayed by the throttle) gets to finish.
            if handler.busy { return handler.armLoginDeadline(context, in: .seconds(1)) }
            handler.autologout("login took too long", context)
        }
    }

    func cancelTimers() {
        commandTimer?.cancel()
        loginTimer?.cancel()
    }

    private func autologout(_ text: String, _ context: ChannelHandlerContext) {
        if case .closed = state { return }
        logger.info("closing session", metadata: ["reason": "\(text)"])
        send(context) { POP3Response.error(text, into: &$0) }
        releaseLock()
        state = .closed
        cancelTimers()
        context.channel.closeAfterLastReply()
    }
}

extension Duration {
    var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
