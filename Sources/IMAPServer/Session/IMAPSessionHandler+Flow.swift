import IMAPProtocol
import NIOCore

/// The session's clocks (RFC 9051 §5.4 autologout, the login deadline, the per-command
/// deadline) and its backpressure (no input read and no command run while the client does not
/// read our output).
extension IMAPSessionHandler {
    /// RFC 9051 §5.4: autologout after the idle timeout (30 minutes at least) once logged in.
    /// Before login the login deadline applies instead, which no activity extends.
    func resetTimer(_ context: ChannelHandlerContext) {
        timeout?.cancel()
        timeout = nil
        guard state.user != nil else { return }
        timeout = schedule(context, after: server.configuration.idleTimeout) { handler, context in
            handler.endWithBye("autologout; idle for too long", context)
        }
    }

    func startLoginDeadline(_ context: ChannelHandlerContext) {
        guard loginDeadline == nil else { return }
        loginDeadline = schedule(context, after: server.configuration.loginTimeout) { handler, context in
            guard handler.state.user == nil else { return }
            handler.endWithBye("autologout; no login within \(handler.server.configuration.loginTimeout.components.seconds) seconds", context)
        }
    }

    /// A command's first octet arrived: it has `commandTimeout` to be complete, plus one second
    /// per `minimumLiteralRate` octets received (a large APPEND at a fair rate goes on; a client
    /// sending a byte a second does not).
    func startCommandTimer(_ context: ChannelHandlerContext) {
        commandStarted = context.eventLoop.now
        commandBytes = 0
        commandTimer?.cancel()
        commandTimer = schedule(context, after: server.configuration.commandTimeout) { handler, context in
            handler.checkCommandPace(context)
        }
    }

    func checkCommandPace(_ context: ChannelHandlerContext) {
        guard let started = commandStarted else { return }
        let configuration = server.configuration
        let allowed = TimeAmount.nanoseconds(Int64(configuration.commandTimeout.components.seconds) * 1_000_000_000)
            + .seconds(Int64(commandBytes / configuration.minimumLiteralRate))
        let due = started + allowed
        // Our own work, or output the client has not read yet, is not the client's slowness.
        let now = context.eventLoop.now  // the loop's clock (a test loop moves only when told)
        if busy || !context.channel.isWritable || due > now {
            let wait = max(due - now, .seconds(1))
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            commandTimer = context.eventLoop.scheduleTask(in: wait) {
                let (handler, context) = bound.value
                if case .logout = handler.state { return }
                handler.checkCommandPace(context)
            }
            return
        }
        logger.info("command too slow", metadata: ["octets": "\(commandBytes)"])
        endWithBye("command not received in time", context)
    }

    /// The command (lines and literals) has been read whole: its timer stops.
    func commandEnded() {
        commandTimer?.cancel()
        commandTimer = nil
        commandStarted = nil
    }

    private func schedule(_ context: ChannelHandlerContext, after limit: Duration,
                          _ action: @escaping (IMAPSessionHandler, ChannelHandlerContext) -> Void) -> Scheduled<Void> {
        let bound = NIOLoopBound((self, context, action), eventLoop: context.eventLoop)
        return context.eventLoop.scheduleTask(in: .nanoseconds(Int64(limit.components.seconds) * 1_000_000_000)) {
            let (handler, context, action) = bound.value
            if case .logout = handler.state { return }
            action(handler, context)
        }
    }

    func endWithBye(_ text: String, _ context: ChannelHandlerContext) {
        logger.info("autologout", metadata: ["reason": "\(text)"])
        send(context, .status(tag: nil, .bye, text: text))
        close(context)
    }

    // MARK: backpressure

    /// No more input while a command runs, our output waits for the client to read it, or the
    /// undecoded input alone fills the session's budget (the command being assembled is bounded
    /// by the same budget in the decoder).
    var readingPaused: Bool { busy || writableWaiter != nil || inbound.isFull() }

    func read(context: ChannelHandlerContext) {
        inbound.read(context, paused: readingPaused || !context.channel.isWritable)
    }

    /// Resumes reading (and the commands already received) once nothing holds them back.
    func resumeInput(_ context: ChannelHandlerContext) {
        inbound.resume(context, paused: readingPaused || !context.channel.isWritable)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        context.fireChannelWritabilityChanged()
        // Re-entrant (a write of the running command drained the buffer): that command's own
        // code goes on, and `drain` runs after it anyway.
        guard context.channel.isWritable, !dispatching else { return }
        if case .logout = state { return }
        if let waiter = writableWaiter {
            writableWaiter = nil
            busy = false
            dispatching = true
            waiter(self, context)
            dispatching = false
            if case .logout = state { return }
        }
        if idleTag != nil && !busy { send(context, pendingUpdates(allowExpunge: true)) }
        drain(context)
    }

    /// Runs `work` now if the client is reading our output, else once it has caught up; the
    /// session counts as busy until then (no other command runs, no input is read).
    func whenWritable(_ context: ChannelHandlerContext, _ work: @escaping (IMAPSessionHandler, ChannelHandlerContext) -> Void) {
        guard !context.channel.isWritable else { return work(self, context) }
        busy = true
        writableWaiter = work
    }

}
