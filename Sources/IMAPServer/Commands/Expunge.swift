import IMAPProtocol
import MailStore

extension IMAPSession {
    /// RFC 9051 §6.4.3 EXPUNGE and §6.4.9 / RFC 4315 UID EXPUNGE (only \Deleted messages in the
    /// set). Each removed message is announced with EXPUNGE, or VANISHED with QRESYNC.
    mutating func expunge(_ tag: String, _ set: IMAPSequenceSet?, _ selected: SelectedMailbox) -> [IMAPAction] {
        guard !selected.readOnly else { return fail(tag, .readOnly) }
        return run(.expunge(tag: tag, selected.mailbox.id, candidates: set.map { selected.resolve($0, uid: true) }))
    }

    /// The command's own expunges go first, then whatever else is waiting (a MOVE into the
    /// selected mailbox: its copies' EXISTS), so the order does not depend on when the change
    /// feed delivered; each number is valid at the moment it is sent.
    mutating func expunged(_ tag: String, _ removed: [UInt32], modSeq: UInt64?, verb: String) -> [IMAPAction] {
        guard let selected = state.selected else { return send([.status(tag: tag, .ok, text: "\(verb) completed")]) }
        var responses: [IMAPResponse] = []
        let present = removed.filter { selected.sequenceNumber(of: $0) != nil }
        // RFC 5267 §4.3.4: REMOVEFROM before the EXPUNGE.
        responses += selected.contextRemovals(present)
        if enabled.qresync {
            _ = selected.removeForExpunge(present, modSeq: modSeq)
            if !present.isEmpty { responses.append(.data(.vanished(earlier: false, UIDSet.make(present)))) }
        } else {
            responses += selected.removeForExpunge(present, modSeq: modSeq).map { .data(.expunge($0)) }
        }
        responses += pendingUpdates(allowExpunge: true)
        let code: IMAPResponseCode? = enabled.modSeqs ? .highestModSeq(selected.highestModSeq) : nil
        return reply(responses, then: .status(tag: tag, .ok, code: code, text: "\(verb) completed"))
    }
}

extension IMAPStepRunner {
    func expunge(_ tag: String, _ mailbox: MailboxID, candidates: [UInt32]?) async -> IMAPStepResult {
        do {
            var uids: [UInt32]? = nil
            if let candidates {
                let messages = try await store.messageStates(in: mailbox)
                let wanted = Set(candidates)
                uids = messages.filter { wanted.contains($0.uid) && $0.flags.system.contains(.deleted) }.map(\.uid)
                if uids?.isEmpty == true { return .done(tag: tag, IMAPCompletion(text: "UID EXPUNGE completed")) }
            }
            let removed = try await store.expunge(in: mailbox, uids: uids)
            let modSeq = try await store.mailbox(id: mailbox)?.highestModSeq
            return .expunged(tag: tag, removed: removed, modSeq: modSeq, verb: candidates == nil ? "EXPUNGE" : "UID EXPUNGE",
                             copyUID: nil)
        } catch {
            return .failed(tag: tag, .unavailable("expunge"))
        }
    }
}
