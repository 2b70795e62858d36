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
        guard idleTag != nil, !busy else { return }
        send(context, pendingUpdates(allowExpunge: true))
        if selected.removed { mailboxGone(context) }
    }

    /// The selected mailbox was deleted by another session: RFC 9051 §7.1.5 lets the server end
    /// the connection; the client reconnects and sees the new mailbox list.
    func mailboxGone(_ context: ChannelHandlerContext) {
        send(context, .status(tag: nil, .bye, text: "the selected mailbox was deleted"))
        close(context)
    }
}
