import IMAPProtocol
import MailStore
import NIOCore

extension IMAPSessionHandler {
    /// RFC 2177 / RFC 9051 §6.3.13: updates are pushed as the change feed delivers them until
    /// the client sends DONE.
    func idle(_ tag: String, _ context: ChannelHandlerContext) {
        idleTag = tag
        decoder.setMode(.idle)
        var responses = pendingUpdates(allowExpunge: true)
        responses.append(.continuation("idling"))
        send(context, responses)
        if state.selected?.removed == true { mailboxGone(context) }
    }

    func endIdle(done: Bool, _ context: ChannelHandlerContext) {
        guard let tag = idleTag else { return }
        idleTag = nil
        if done {
            finish(tag, "IDLE terminated", context)
        } else {
            finish(tag, status: .bad, "expected DONE to end IDLE", context)
        }
    }

    /// Starts listening to the store's change feed for the selected mailbox. Changes are handed
    /// to the session on its event loop, in order; IDLE sends them at once, otherwise they wait
    /// for the next moment updates are allowed.
    func listen(to stream: AsyncStream<MailboxChange>, selection: SelectedMailbox, _ context: ChannelHandlerContext) {
        let generation = selectionGeneration
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        selection.feedTask = Task {
            for await change in stream {
                bound.eventLoop.execute {
                    let (handler, context) = bound.value
                    handler.heard(change, generation: generation, context)
                }
            }
        }
    }

    func heard(_ change: MailboxChange, generation: Int, _ context: ChannelHandlerContext) {
        guard generation == selectionGeneration, let selected = state.selected else { return }
        selected.receive(change)
        if selected.pendingCount > Self.maxPendingUpdates && !context.channel.isWritable || selected.pendingCount > 10 * Self.maxPendingUpdates {
            // The client reads none of what we tell it: the updates would grow without bound.
            return endWithBye("too many unread mailbox updates; select the mailbox again", context)
        }
        guard !busy else { return }
        // Output backed up: the updates wait (coalesced by the next flush) until the client
        // has read what is queued; `channelWritabilityChanged` sends them.
        if idleTag != nil && context.channel.isWritable { send(context, pendingUpdates(allowExpunge: true)) }
        // Between commands too: BYE may come at any time (RFC 9051 §7.1.5), and a client that
        // is not polling would otherwise keep a dead selection until its next command.
        if selected.removed { mailboxGone(context) }
    }

    /// The selected mailbox was deleted by another session: the server ends the connection
    /// (RFC 9051 §7.1.5 BYE; RFC 2180 §3 lists this among the ways to handle a multi-accessed
    /// mailbox being deleted); the client reconnects and sees the new mailbox list. Sent at once
    /// when the session is idle or between commands, after the tagged reply when a command is
    /// running.
    func mailboxGone(_ context: ChannelHandlerContext) {
        send(context, .status(tag: nil, .bye, text: "the selected mailbox was deleted"))
        close(context)
    }
}
