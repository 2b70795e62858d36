import IMAPProtocol
import MailStore
import NIOCore

extension IMAPSessionHandler {
    /// RFC 9051 §6.4.3 EXPUNGE and §6.4.9 / RFC 4315 UID EXPUNGE (only \Deleted messages in the
    /// set). Each removed message is announced with EXPUNGE, or VANISHED with QRESYNC.
    func expunge(_ tag: String, _ set: IMAPSequenceSet?, _ selected: SelectedMailbox, _ context: ChannelHandlerContext) {
        guard !selected.readOnly else { return no(tag, "mailbox is read-only", code: .readOnly, context) }
        let store = server.store, id = selected.mailbox.id
        let candidates: [UInt32]? = set.map { selected.resolve($0, uid: true) }
        perform(context) {
            do {
                var uids: [UInt32]? = nil
                if let candidates {
                    let messages = try await store.messages(in: id)
                    let wanted = Set(candidates)
                    uids = messages.filter { wanted.contains($0.uid) && $0.flags.system.contains(.deleted) }.map(\.uid)
                    if uids?.isEmpty == true {
                        return { handler, context in handler.finish(tag, "UID EXPUNGE completed", context) }
                    }
                }
                let removed = try await store.expunge(in: id, uids: uids)
                let modSeq = try await store.mailbox(id: id)?.highestModSeq
                let verb = candidates == nil ? "EXPUNGE" : "UID EXPUNGE"
                return { handler, context in handler.expunged(tag, removed, modSeq: modSeq, context, verb: verb) }
            } catch {
                return { handler, context in handler.no(tag, "cannot expunge now", code: .unavailable, context) }
            }
        }
    }

    func expunged(_ tag: String, _ removed: [UInt32], modSeq: UInt64?, _ context: ChannelHandlerContext, verb: String = "EXPUNGE") {
        guard let selected = state.selected else { return ok(tag, "\(verb) completed", context) }
        var responses = pendingUpdates(allowExpunge: true)
        let present = removed.filter { selected.sequenceNumber(of: $0) != nil }
        if enabled.qresync {
            _ = selected.removeForExpunge(present, modSeq: modSeq)
            if !present.isEmpty { responses.append(.data(.vanished(earlier: false, UIDSet.make(present)))) }
        } else {
            responses += selected.removeForExpunge(present, modSeq: modSeq).map { .data(.expunge($0)) }
        }
        let code: IMAPResponseCode? = enabled.modSeqs ? .highestModSeq(selected.highestModSeq) : nil
        responses.append(.status(tag: tag, .ok, code: code, text: "\(verb) completed"))
        send(context, responses)
    }
}
