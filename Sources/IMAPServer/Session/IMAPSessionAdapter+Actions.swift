import IMAPProtocol
import MailStore
import NIOCore
import ServerRuntime

/// Carrying out what the session decided: IMAP's own actions here, the shared ones by the driver.
extension IMAPSessionAdapter {
    func driverAction(for action: IMAPAction, _ driver: Driver, _ context: ChannelHandlerContext) -> DriverAction? {
        switch action {
        case .send(let responses):
            guard !responses.isEmpty, context.channel.isActive else { return nil }
            var buffer = context.channel.allocator.buffer(capacity: 128)
            for response in responses { driver.machine.encoder.encode(response, into: &buffer) }
            return .send(buffer)
        case .sendRaw(let buffer):
            guard context.channel.isActive else { return nil }
            return .send(buffer)
        case .run(let step):
            return .run(step)
        case .continueWhenWritable:
            // Otherwise `channelWritabilityChanged` reports it once the client has caught up.
            if context.channel.isWritable { driver.feed(.outputWritable, context) }
            return nil
        case .startTLS:
            // RFC 9051 §6.2.1: what the client pipelined behind STARTTLS is discarded, unread.
            return .startTLS(discardingInput: true)
        case .startCompression:
            startCompression(driver, context)
            return nil
        case .quickAck:
            TCPQuickAck.request(on: context.channel)
            return nil
        case .listen(let stream, let selection, let generation):
            listen(to: stream, selection: selection, generation: generation, driver, context)
            return nil
        case .notifyWatch(let notifyWatch, let mailboxes, let account):
            watch(notifyWatch, mailboxes: mailboxes, account: account, driver, context)
            return nil
        case .releaseSessionSlot(let account):
            server.sessions.release(account)
            return nil
        case .armTimer(let timer, let delay):
            return .armTimer(timer, .after(delay))
        case .cancelTimer(let timer):
            return .cancelTimer(timer)
        case .close:
            return .close
        }
    }

    func timerFired(_ timer: IMAPTimer, _ context: ChannelHandlerContext) -> IMAPSession.Event {
        switch timer {
        case .idle: .idleTimeout(now: context.eventLoop.now)
        case .login: .loginTimeout
        case .command: .commandTimer(now: context.eventLoop.now, outputWritable: context.channel.isWritable)
        }
    }

    /// Changes from the store's change feed, handed to the session on its event loop, in order.
    /// A new message's \Recent is claimed for this session (RFC 3501 §2.3.2) before the session
    /// hears of it, unless another session was told first (`SelectedMailbox+Recent.swift`).
    private func listen(to stream: AsyncStream<MailboxChange>, selection: SelectedMailbox, generation: Int,
                        _ driver: Driver, _ context: ChannelHandlerContext) {
        let bound = NIOLoopBound((driver, context), eventLoop: context.eventLoop)
        let store = server.store, mailbox = selection.mailbox.id, recentMode = selection.recentMode
        let logger = server.logger
        // On the session's loop: each change is handed to the session there anyway.
        selection.feedTask = Task(executorPreference: driver.eventLoopExecutor(context)) {
            for await change in stream {
                var recent: [UInt32] = []
                if let recentMode, case .appended(let uid, _, _) = change {
                    do {
                        // Claiming takes every unclaimed UID up to this one (SELECT took those it
                        // read, so these are new since); EXAMINE only looks.
                        let first = try await store.claimRecent(in: mailbox, through: recentMode.through(uid))
                        if first <= uid { recent = recentMode == .claim ? Array(first...uid) : [uid] }
                    } catch {
                        logger.warning("could not claim \\Recent", metadata: ["error": "\(LogSafe.escaped("\(error)"))"])
                    }
                }
                let claimed = recent
                bound.eventLoop.execute {
                    let (driver, context) = bound.value
                    driver.feed(.mailboxChanged(change, generation: generation, outputWritable: context.channel.isWritable,
                                                recent: claimed), context)
                }
            }
        }
    }
}
