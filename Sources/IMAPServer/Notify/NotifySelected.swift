import IMAPProtocol
import MailStore

/// RFC 5465 §5.1-§5.3 and §6.1 for the selected mailbox: with SELECTED its changes are written
/// as they arrive (EXISTS, FETCH FLAGS, EXPUNGE or VANISHED), not only after a command; with
/// SELECTED-DELAYED expunges wait for a command that may announce them (§6.1.2), the rest goes
/// out at once. MessageNew's fetch-att list (§5.2) is answered with an unsolicited FETCH after
/// the EXISTS (and after any ESEARCH ADDTO, §5.2).
extension IMAPSession {
    /// Whether changes of the selected mailbox are written between commands.
    var notifyPushesSelected: Bool { notify.plan?.selected != nil }

    /// Nothing else is being said or heard: no command half received, no AUTHENTICATE exchange,
    /// no FETCH streaming (a running step is `busy`, checked by the callers).
    var pushesNow: Bool { !decoder.isInsideCommand && authExchange == nil && fetch == nil }

    /// The selected mailbox's updates now: during IDLE everything, with NOTIFY as its filter says.
    mutating func pushSelected() -> [IMAPAction] {
        guard state.selected != nil else { return [] }
        let allowExpunge = idleTag != nil || notify.plan?.selected?.delayed != true
        let responses = updatesNotingNew(allowExpunge: allowExpunge)
        return send(responses) + checkContextsNow() + startNotifyFetch()
    }

    /// The selected mailbox's updates; with MessageNew's fetch-att list, the messages they
    /// announce are noted for its FETCH, except those this session added itself (§5.2: "SHOULD
    /// NOT be generated for a new message created by the client on this particular connection").
    mutating func updatesNotingNew(allowExpunge: Bool) -> [IMAPResponse] {
        guard let selected = state.selected, notify.plan?.selected?.fetch != nil else { return pendingUpdates(allowExpunge: allowExpunge) }
        let before = selected.largestUID
        let responses = pendingUpdates(allowExpunge: allowExpunge)
        let new = selected.uids.reversed().prefix { $0 > before }.reversed()
        notify.fetchUIDs += new.filter { !selected.ownAppended.contains($0) }
        selected.ownAppended.subtract(new)
        return responses
    }

    /// MessageNew's FETCH for the messages that arrived, a chunk at a time, when nothing else runs.
    mutating func startNotifyFetch() -> [IMAPAction] {
        guard !busy, !notify.fetchUIDs.isEmpty else { return [] }
        guard let selected = state.selected, var attributes = notify.plan?.selected?.fetch else {
            notify.fetchUIDs.removeAll()
            return []
        }
        let uids = Array(notify.fetchUIDs.prefix(Self.fetchChunkMessages))
        notify.fetchUIDs.removeFirst(uids.count)
        // RFC 9051 §6.4.5: a non-PEEK body item sets \Seen (§5.2 advises clients against it).
        let marksSeen = FetchResponder.marksSeen(attributes) && !selected.readOnly
        if marksSeen && !attributes.contains(.flags) { attributes.append(.flags) }
        if enabled.modSeqs && !attributes.contains(.modSeq) { attributes.append(.modSeq) }
        let plan = FetchPlan(attributes: attributes, uid: false, marksSeen: marksSeen, includeModSeq: enabled.modSeqs)
        return run(.notifyFetch(selected.mailbox.id, uids: uids, plan))
    }

    mutating func notifyFetched(_ results: [FetchedMessage], _ plan: FetchPlan) -> [IMAPAction] {
        guard let selected = state.selected else { return [] }
        var responses: [IMAPResponse] = []
        for (message, result) in results {
            guard let n = selected.sequenceNumber(of: message.uid), case .success(let items) = result else { continue }
            if plan.marksSeen { selected.noteFlags(message) }
            responses += selected.presented(n, message, items)
        }
        return send(responses) + startNotifyFetch()
    }
}

extension IMAPStepRunner {
    /// The new messages' items (`fetchChunk`); those expunged meanwhile are left out.
    func notifyFetch(_ mailbox: MailboxID, _ uids: [UInt32], _ plan: FetchPlan) async -> IMAPStepResult {
        let messages = (try? await store.messages(in: mailbox, uids: uids)) ?? []
        guard case .fetchChunk(_, let results) = await fetchChunk("*", mailbox, messages, plan) else { return .notifyFetched([], plan) }
        return .notifyFetched(results, plan)
    }
}
