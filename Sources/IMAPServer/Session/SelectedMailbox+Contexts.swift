import IMAPProtocol
import MailStore

/// A SEARCH or SORT kept live by `RETURN (UPDATE)` (RFC 5267 §4.3): its program, and its results
/// as the client was last told them, in the requested order (mailbox order for SEARCH, the sort
/// order for SORT). Updates stop when the mailbox is no longer selected (the view goes) or at
/// CANCELUPDATE.
struct UpdateContext: Sendable {
    let tag: String
    /// UID SEARCH / UID SORT: the results are UIDs; otherwise message sequence numbers.
    let uid: Bool
    /// The program, with message sequence sets and `$` turned into the UIDs they named when the
    /// command ran (RFC 5267 §4.3: they are "evaluated at the time the command is received").
    let keys: [IMAPSearchKey]
    let evaluator: SearchEvaluator
    let context: SearchContext
    /// SORT's criteria; nil for SEARCH.
    let criteria: [IMAPSortCriterion]?
    /// The results' UIDs in the requested order.
    var results: [UInt32]
    /// SORT: each result's sort keys, to place a new match (`MessageSorter.precedes`).
    var sortable: [UInt32: SortableMessage] = [:]
}

/// The evaluation of some messages against every live context, done by the step runner.
struct ContextCheckStep: Sendable {
    var mailbox: MailboxID
    /// The messages to look at, with their message sequence numbers now.
    var messages: [(uid: UInt32, number: UInt32)]
    var contexts: [UpdateContext]
    /// The tagged reply that waits for the check: the updates go out before it (RFC 5267 §4.3.2:
    /// "at the same time as the FETCH, EXISTS, or EXPUNGE responses carrying the source").
    var reply: IMAPResponse?
}

/// What the check found, per context (same order as the step's): the messages found in the
/// store, and which of them match (with their sort keys for SORT).
struct ContextVerdict: Sendable {
    var tag: String
    var checked: Set<UInt32>
    var matching: [UInt32: SortableMessage?]
}

extension SelectedMailbox {
    /// Keys pinned for a live context: message sequence sets and `$` become the UIDs they name
    /// now, and `*` in a UID set the largest UID now.
    func pinned(_ key: IMAPSearchKey) -> IMAPSearchKey {
        switch key {
        case .sequenceSet(let set): return .uid(UIDSet.make(resolve(set, uid: false)))
        case .uid(.lastCommand): return .uid(UIDSet.make(resolve(.lastCommand, uid: true)))
        case .uid(let set):
            return .uid(IMAPSequenceSet(set.resolved(star: largestUID).map { IMAPSequenceRange(.number($0.lowerBound), .number($0.upperBound)) }))
        case .not(let k): return .not(pinned(k))
        case .or(let a, let b): return .or(pinned(a), pinned(b))
        case .and(let keys): return .and(keys.map(pinned))
        default: return key
        }
    }

    /// A message arrived or its flags changed: the live contexts look at it again.
    func noteContextCheck(_ uid: UInt32) {
        guard !updateContexts.isEmpty else { return }
        contextRecheck.insert(uid)
    }

    var needsContextCheck: Bool { !updateContexts.isEmpty && !contextRecheck.isEmpty }

    /// The pending checks as a step (the set is emptied); nil when nothing is to be checked.
    func takeContextCheck(reply: IMAPResponse?) -> ContextCheckStep? {
        guard needsContextCheck else { return nil }
        let messages = contextRecheck.sorted().compactMap { uid in sequenceNumber(of: uid).map { (uid, $0) } }
        contextRecheck.removeAll()
        guard !messages.isEmpty else { return nil }
        return ContextCheckStep(mailbox: mailbox.id, messages: messages, contexts: updateContexts, reply: reply)
    }

    /// RFC 5267 §4.3.4: messages leave the view (expunged): REMOVEFROM for every context that
    /// held them, to be sent before the EXPUNGE (sequence numbers still valid) or VANISHED.
    func contextRemovals(_ uids: [UInt32]) -> [IMAPResponse] {
        guard !updateContexts.isEmpty, !uids.isEmpty else { return [] }
        let gone = Set(uids)
        contextRecheck.subtract(gone)
        var out: [IMAPResponse] = []
        for index in updateContexts.indices {
            let removed = updateContexts[index].results.filter(gone.contains)
            guard !removed.isEmpty else { continue }
            if let update = remove(Set(removed), from: index) { out.append(update) }
        }
        return out
    }

    /// The check's verdicts applied: REMOVEFROM for results that no longer match, then ADDTO for
    /// new matches, one ESEARCH per context that changed (RFC 5267 §4.3.3, §4.3.4).
    func applyContextVerdicts(_ verdicts: [ContextVerdict]) -> [IMAPResponse] {
        var out: [IMAPResponse] = []
        for verdict in verdicts {
            guard let index = updateContexts.firstIndex(where: { $0.tag == verdict.tag }) else { continue }
            // Only messages still in the view: one expunged meanwhile goes with its EXPUNGE.
            let inView = verdict.checked.filter { sequenceNumber(of: $0) != nil }
            let current = Set(updateContexts[index].results)
            let leaving = inView.filter { current.contains($0) && verdict.matching[$0] == nil }
            var updates: [IMAPESearchUpdate] = []
            if !leaving.isEmpty, case .data(.esearch(let e)) = remove(leaving, from: index) { updates += e.updates }
            let arriving = inView.filter { !current.contains($0) && verdict.matching[$0] != nil }.sorted()
            if !arriving.isEmpty { updates.append(add(arriving, verdict, to: index)) }
            guard !updates.isEmpty else { continue }
            let context = updateContexts[index]
            out.append(.data(.esearch(IMAPESearchResponse(tag: context.tag, uid: context.uid, updates: updates))))
        }
        return out
    }

    private func reported(_ uid: UInt32, _ context: UpdateContext) -> UInt32? {
        context.uid ? uid : sequenceNumber(of: uid)
    }

    /// Takes `uids` out of a context's results; the REMOVEFROM saying so. SEARCH: position 0 and
    /// mailbox order (§4.3.4 RECOMMENDED); SORT: the positions, highest first so each stays valid.
    private func remove(_ uids: Set<UInt32>, from index: Int) -> IMAPResponse? {
        let context = updateContexts[index]
        var pairs: [IMAPESearchPosition] = []
        if context.criteria == nil {
            let numbers = context.results.filter(uids.contains).compactMap { reported($0, context) }
            if !numbers.isEmpty { pairs.append(IMAPESearchPosition(0, UIDSet.make(numbers))) }
        } else {
            for (position, uid) in context.results.enumerated().reversed() where uids.contains(uid) {
                if let n = reported(uid, context) { pairs.append(IMAPESearchPosition(UInt32(position + 1), IMAPSequenceSet([IMAPSequenceRange(n)]))) }
            }
        }
        updateContexts[index].results.removeAll(where: uids.contains)
        for uid in uids { updateContexts[index].sortable[uid] = nil }
        guard !pairs.isEmpty else { return nil }
        return .data(.esearch(IMAPESearchResponse(tag: context.tag, uid: context.uid, updates: [.removeFrom(pairs)])))
    }

    /// Puts new matches (ascending UIDs) into a context's results; the ADDTO saying so. SEARCH:
    /// position 0, mailbox order (§4.3.3); SORT: each at its sorted position, adjacent ones
    /// merged into one pair.
    private func add(_ uids: [UInt32], _ verdict: ContextVerdict, to index: Int) -> IMAPESearchUpdate {
        var context = updateContexts[index]
        defer { updateContexts[index] = context }
        guard let criteria = context.criteria else {
            context.results = (context.results + uids).sorted()
            return .addTo([IMAPESearchPosition(0, UIDSet.make(uids.compactMap { reported($0, context) }))])
        }
        var pairs: [(position: UInt32, numbers: [UInt32])] = []
        for uid in uids {
            guard let message = verdict.matching[uid] ?? nil, let n = reported(uid, context) else { continue }
            let place = context.results.partitioningIndex { other in
                guard let o = context.sortable[other] else { return false }
                return MessageSorter.precedes(message, o, criteria)
            }
            context.results.insert(uid, at: place)
            context.sortable[uid] = message
            let position = UInt32(place + 1)
            // Later insertions at or before an earlier pair's end shift it; keep pairs valid by
            // merging only the case of a direct continuation and otherwise appending in order.
            if let last = pairs.last, last.position + UInt32(last.numbers.count) == position {
                pairs[pairs.count - 1].numbers.append(n)
            } else {
                pairs.append((position, [n]))
            }
        }
        return .addTo(pairs.map { IMAPESearchPosition($0.position, UIDSet.sortOrder($0.numbers)) })
    }
}
