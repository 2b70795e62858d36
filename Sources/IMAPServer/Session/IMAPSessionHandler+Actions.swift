import IMAPProtocol
import MailStore
import NIOCore
import ServerRuntime

/// Carrying out what the session decided.
extension IMAPSessionHandler {
    func execute(_ action: IMAPAction, _ context: ChannelHandlerContext) {
        switch action {
        case .send(let responses):
            guard !responses.isEmpty, context.channel.isActive else { return }
            var buffer = context.channel.allocator.buffer(capacity: 128)
            for response in responses { session.encoder.encode(response, into: &buffer) }
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        case .sendRaw(let buffer):
            guard context.channel.isActive else { return }
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        case .run(let step):
            let steps = self.steps
            perform(context) {
                let result = await steps.run(step)
                return { handler, context in handler.feed(.stepFinished(result), context) }
            }
        case .continueWhenWritable:
            // Otherwise `channelWritabilityChanged` reports it once the client has caught up.
            if context.channel.isWritable { feed(.outputWritable, context) }
        case .startTLS:
            // RFC 9051 §6.2.1: what the client pipelined behind STARTTLS is discarded, unread.
            inbound.discardAll()
            guard let tls = connection.tls else { return }
            let channel = context.channel
            tls.startTLS(on: channel, state: connection.tlsState).whenFailure { [logger] error in
                logger.info("STARTTLS failed", metadata: ["error": "\(LogSafe.escaped("\(error)"))"])
                channel.close(promise: nil)
            }
        case .quickAck:
            TCPQuickAck.request(on: context.channel)
        case .listen(let stream, let selection, let generation):
            listen(to: stream, selection: selection, generation: generation, context)
        case .releaseSessionSlot(let account):
            server.sessions.release(account)
        case .armTimer(let timer, let delay):
            timers[timer]?.cancel()
            timers[timer] = schedule(timer, in: delay, context)
        case .cancelTimer(let timer):
            timers.removeValue(forKey: timer)?.cancel()
        case .close:
            context.channel.closeAfterLastReply()
        }
    }

    /// Changes from the store's change feed, handed to the session on its event loop, in order.
    private func listen(to stream: AsyncStream<MailboxChange>, selection: SelectedMailbox, generation: Int,
                        _ context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        selection.feedTask = Task {
            for await change in stream {
                bound.eventLoop.execute {
                    let (handler, context) = bound.value
                    handler.feed(.mailboxChanged(change, generation: generation, outputWritable: context.channel.isWritable),
                                 context)
                }
            }
        }
    }

    /// Timeouts that bytes alone cannot extend (the session decides what a timeout means).
    private func schedule(_ timer: IMAPTimer, in delay: Duration, _ context: ChannelHandlerContext) -> Scheduled<Void> {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let (seconds, attoseconds) = delay.components
        return context.eventLoop.scheduleTask(in: .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)) {
            let (handler, context) = bound.value
            handler.timers[timer] = nil
            switch timer {
            case .idle: handler.feed(.idleTimeout, context)
            case .login: handler.feed(.loginTimeout, context)
            case .command:
                handler.feed(.commandTimer(now: context.eventLoop.now, outputWritable: context.channel.isWritable), context)
            }
        }
    }
}
