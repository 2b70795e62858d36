import IMAPProtocol
import MailStore

extension IMAPSession {
    /// Sends `responses`, then `tagged`. When live searches (RFC 5267 §4.3) must first look at
    /// messages that arrived or changed, the check runs as a step and the tagged reply waits for
    /// it, so the ADDTO/REMOVEFROM go out with the EXISTS/FETCH that caused them.
    mutating func reply(_ responses: [IMAPResponse], then tagged: IMAPResponse) -> [IMAPAction] {
        guard let step = state.selected?.takeContextCheck(reply: tagged) else { return send(responses + [tagged]) }
        return send(responses) + run(.contextCheck(step))
    }

    /// During IDLE (or when nothing else runs) the check starts as soon as there is work.
    mutating func checkContextsNow() -> [IMAPAction] {
        guard !busy, let step = state.selected?.takeContextCheck(reply: nil) else { return [] }
        return run(.contextCheck(step))
    }

    mutating func contextChecked(_ verdicts: [ContextVerdict], reply: IMAPResponse?) -> [IMAPAction] {
        guard let selected = state.selected else { return reply.map { send([$0]) } ?? [] }
        var responses = selected.applyContextVerdicts(verdicts)
        guard let reply else {
            // IDLE: what arrived meanwhile goes out too, and is checked in turn.
            if idleTag != nil { responses += pendingUpdates(allowExpunge: true) }
            return send(responses) + (idleTag != nil ? checkContextsNow() : []) + startNotifyFetch()
        }
        responses.append(reply)
        return send(responses) + startNotifyFetch()
    }

    /// RFC 5267 §4.3.5 CANCELUPDATE: the named searches get no further updates.
    mutating func cancelUpdate(_ tag: String, _ tags: [String], _ selected: SelectedMailbox) -> [IMAPAction] {
        for name in tags where !selected.updateContexts.contains(where: { $0.tag == name }) {
            return fail(tag, .noSuchUpdate(name))
        }
        selected.updateContexts.removeAll { tags.contains($0.tag) }
        if selected.updateContexts.isEmpty { selected.contextRecheck.removeAll() }
        return finish(tag, "CANCELUPDATE completed")
    }

    /// RFC 5267 §4.3: a searching command asked for UPDATE; its results become a live context,
    /// unless `maxUpdateContexts` are live already: then the untagged `NO [NOUPDATE "tag"]` of
    /// §4.3.1 (the other return options are still honoured).
    mutating func keepUpdated(_ tag: String, _ search: IMAPSearchCommand, criteria: [IMAPSortCriterion]?,
                              results: [UInt32], sortable: [SortableMessage], uid: Bool) -> [IMAPResponse] {
        guard search.returnOptions?.contains(.update) == true, let selected = state.selected else { return [] }
        guard selected.updateContexts.count < settings.maxUpdateContexts,
              let evaluator = try? SearchEvaluator(charset: search.charset, messageLimits: settings.messageLimits) else {
            return [.status(tag: nil, .no, code: .noUpdate(tag), text: "Too many contexts")]
        }
        let context = SearchContext(messageCount: selected.count, largestUID: selected.largestUID, savedUIDs: selected.savedUIDs,
                                    recentUIDs: selected.recentUIDs)
        var live = UpdateContext(tag: tag, uid: uid, keys: search.keys.map(selected.pinned), evaluator: evaluator,
                                 context: context, criteria: criteria, results: results)
        if criteria != nil { live.sortable = Dictionary(sortable.map { ($0.uid, $0) }, uniquingKeysWith: { a, _ in a }) }
        selected.updateContexts.append(live)
        return []
    }

    /// RFC 5267 §4.3: "An attempt to use UPDATE where a tag is already in use with a previous
    /// searching command that itself used UPDATE SHALL result in ... a BAD response".
    func updateTagInUse(_ tag: String, _ search: IMAPSearchCommand, _ selected: SelectedMailbox) -> Bool {
        search.returnOptions?.contains(.update) == true && selected.updateContexts.contains { $0.tag == tag }
    }
}

extension IMAPStepRunner {
    /// Reads each message once and evaluates it against every live context.
    func contextCheck(_ step: ContextCheckStep) async -> IMAPStepResult {
        var verdicts = step.contexts.map { ContextVerdict(tag: $0.tag, checked: [], matching: [:]) }
        // Each context's keys compiled once (the evaluator keeps only the last program).
        let programs = step.contexts.map { $0.evaluator.program($0.keys, context: $0.context) }
        for (uid, number) in step.messages {
            guard let message = try? await store.message(in: step.mailbox, uid: uid) else { continue }
            let needsOctets = step.contexts.contains { context in
                (context.criteria != nil && message.summary == nil) || SearchEvaluator.needsBody(context.keys, message: message)
            }
            let body: [UInt8]? = needsOctets ? try? await store.readBody(message.body) : nil
            for (index, context) in step.contexts.enumerated() {
                verdicts[index].checked.insert(uid)
                guard programs[index].matches(message: message, sequenceNumber: number, body: body) else { continue }
                var sortable: SortableMessage? = nil
                if context.criteria != nil {
                    let summary = StoredSummary.summary(of: message, body: body, limits: configuration.messageLimits)
                    sortable = SortableMessage(message: message, number: number, summary: summary,
                                               maxReferences: configuration.threadMaxReferences)
                }
                verdicts[index].matching[uid] = .some(sortable)
            }
        }
        return .contextChecked(verdicts, reply: step.reply)
    }
}
