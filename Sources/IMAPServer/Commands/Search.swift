import IMAPProtocol
import MailStore

extension IMAPSession {
    /// RFC 9051 §6.4.4 SEARCH / UID SEARCH with RFC 4731 ESEARCH (RETURN MIN MAX ALL COUNT),
    /// RFC 5182 SAVE and `$`, RFC 7162 §3.1.5 MODSEQ. Matching is `SearchEvaluator`'s; the step
    /// walks the mailbox in sequence order, loading bodies only when a key needs them; this side
    /// shapes the response.
    mutating func search(_ tag: String, _ command: IMAPSearchCommand, uid: Bool, _ selected: SelectedMailbox) -> [IMAPAction] {
        if updateTagInUse(tag, command, selected) { return fail(tag, .updateTagInUse) }
        guard let step = searchStep(tag, command, uid: uid, selected) else { return fail(tag, .badCharset) }
        if let matched = Self.searchedInView(step, selected) {
            return searched(tag, command, matched, uid: uid, usesModSeq: step.usesModSeq)
        }
        return run(.search(step))
    }

    /// Keys on flags, keywords, UIDs, numbers and MODSEQ alone (UNSEEN, FLAGGED, ...) answered
    /// from the view's flags and mod-sequences, without a step or a store read, when no change
    /// is waiting or on its way (`caughtUp`): then the view holds what the store holds, as for
    /// FETCH FLAGS (FetchFromView.swift). Nil: the step searches the store.
    static func searchedInView(_ step: IMAPSearchStep, _ selected: SelectedMailbox) -> [SearchMatch]? {
        guard step.command.keys.allSatisfy(\.answeredByState), selected.caughtUp else { return nil }
        var matched: [SearchMatch] = []
        let program = step.evaluator.program(step.command.keys, context: step.context)
        for (index, uid) in selected.uids.enumerated() {
            guard let known = selected.known[uid] else { return nil }
            let message = StoredMessage.standIn(mailbox: step.mailbox, uid: uid, modSeq: known.modSeq, flags: known.flags)
            if program.matches(message: message, sequenceNumber: UInt32(index + 1), body: nil) {
                matched.append((uid, UInt32(index + 1), known.modSeq))
            }
        }
        return matched
    }

    /// The search over the selected mailbox's view (SEARCH, SORT, THREAD); nil when the CHARSET
    /// is not one the server decodes (BADCHARSET). A MODSEQ key turns CONDSTORE on (RFC 7162 §3.1).
    mutating func searchStep(_ tag: String, _ command: IMAPSearchCommand, uid: Bool, _ selected: SelectedMailbox) -> IMAPSearchStep? {
        guard let evaluator = try? SearchEvaluator(charset: command.charset, messageLimits: settings.messageLimits) else { return nil }
        let usesModSeq = command.keys.contains(where: \.usesModSeq)
        if usesModSeq { enabled.condstore = true }
        let context = SearchContext(messageCount: selected.count, largestUID: selected.largestUID, savedUIDs: selected.savedUIDs,
                                    recentUIDs: selected.recentUIDs)
        let view = selected.caughtUp ? SearchView(uidValidity: selected.mailbox.uidValidity, known: selected.known) : nil
        return IMAPSearchStep(tag: tag, command: command, evaluator: evaluator, context: context, uids: selected.uids,
                              mailbox: selected.mailbox.id, uid: uid, usesModSeq: usesModSeq, view: view)
    }

    mutating func searched(_ tag: String, _ command: IMAPSearchCommand, _ matched: [SearchMatch], uid: Bool,
                           usesModSeq: Bool) -> [IMAPAction] {
        let numbers = matched.map { uid ? $0.uid : $0.number }
        // RFC 7162 §3.1.5: the highest mod-sequence of the matches, when MODSEQ was a key.
        let modSeq = usesModSeq ? matched.map(\.modSeq).max() : nil
        let done = uid ? "UID SEARCH completed" : "SEARCH completed"
        guard let options = command.returnOptions else {
            // RFC 9051 §6.4.4: rev2 answers with ESEARCH.
            let response: IMAPResponseData = enabled.imap4rev2
                ? .esearch(IMAPESearchResponse(tag: tag, uid: uid, all: numbers.isEmpty ? nil : UIDSet.make(numbers), modSeq: modSeq))
                : .search(numbers, modSeq: modSeq)
            return send([.data(response)]) + finish(tag, done, allowExpunge: false)
        }
        let asked = options.isEmpty ? [IMAPSearchReturnOption.all] : options
        if asked.contains(.save), let selected = state.selected {
            // RFC 5182 §2.4: with only MIN and/or MAX, only those are saved.
            let onlyMinMax = !asked.contains(.all) && !asked.contains(.count) && (asked.contains(.min) || asked.contains(.max))
            var saved = matched.map(\.uid)
            if onlyMinMax {
                saved = [asked.contains(.min) ? matched.first?.uid : nil, asked.contains(.max) ? matched.last?.uid : nil].compactMap { $0 }
            }
            selected.savedUIDs = Set(saved)
        }
        var responses: [IMAPResponse] = []
        let reported = asked.filter { $0 != .save && $0 != .context && $0 != .update }
        // RETURN (UPDATE) or (CONTEXT) alone still gets its (empty) ESEARCH; SAVE alone none (RFC 5182 §2.1).
        if !reported.isEmpty || !asked.contains(.save) {
            var response = IMAPESearchResponse(tag: tag, uid: uid, modSeq: usesModSeq ? Self.reportedModSeq(matched, reported) : nil)
            if reported.contains(.min) { response.min = numbers.min() }
            if reported.contains(.max) { response.max = numbers.max() }
            if reported.contains(.all), !numbers.isEmpty { response.all = UIDSet.make(numbers) }
            if reported.contains(.count) { response.count = UInt32(numbers.count) }
            if let range = reported.partialRange { response.partial = (range, Self.partial(numbers, range, ordered: false)) }
            responses.append(.data(.esearch(response)))
        }
        responses += keepUpdated(tag, command, criteria: nil, results: matched.map(\.uid), sortable: [], uid: uid)
        return send(responses) + finish(tag, done, allowExpunge: false)
    }
}

extension IMAPSession {
    /// RFC 5267 §4.4: the results at positions `range` (1 is the first) of `numbers`, in their
    /// order (`ordered`: SORT's order kept; otherwise the shortest set); nil (NIL) when the range
    /// lies past the end.
    static func partial(_ numbers: [UInt32], _ range: ClosedRange<UInt32>, ordered: Bool) -> IMAPSequenceSet? {
        let low = Int(range.lowerBound) - 1, high = min(Int(range.upperBound), numbers.count)
        guard low < high else { return nil }
        let slice = Array(numbers[low..<high])
        return ordered ? UIDSet.sortOrder(slice) : UIDSet.make(slice)
    }

    /// RFC 4731 §3.2 (with RFC 7162 §3.1.10): with MIN or MAX alone the MODSEQ is that of the
    /// message returned; with MIN and MAX alone, the higher of those two; otherwise the highest
    /// of all matches. Nil when nothing matched. `matched` is in mailbox order, so its first is
    /// the MIN and its last the MAX, by number and by UID alike.
    static func reportedModSeq(_ matched: [SearchMatch], _ reported: [IMAPSearchReturnOption]) -> UInt64? {
        guard let first = matched.first, let last = matched.last else { return nil }
        let options = Set(reported)
        switch options {
        case [.min]: return first.modSeq
        case [.max]: return last.modSeq
        case [.min, .max]: return max(first.modSeq, last.modSeq)
        default: return matched.map(\.modSeq).max()
        }
    }
}

extension IMAPStepRunner {
    func search(_ step: IMAPSearchStep) async -> IMAPStepResult {
        do {
            let byUID = Dictionary(try await candidates(step).map { ($0.message.uid, $0) }, uniquingKeysWith: { a, _ in a })
            var matched: [SearchMatch] = []
            // Compiled once for the whole mailbox (the evaluator's cache of the last program
            // compares keys and context for every message: 4% of the IMAP mix, issue 24).
            let program = step.evaluator.program(step.command.keys, context: step.context)
            var index = 0
            while index < step.uids.count {
                // Bodies are read a chunk at a time (up to 32 messages or 1 MiB), in one store
                // call: a store keeping small bodies in its database reads them in one transaction.
                var chunk: [(number: UInt32, message: StoredMessage, facts: SearchFacts?, needsBody: Bool)] = []
                var octets: Int64 = 0
                while index < step.uids.count, chunk.count < 32, octets < 1 << 20 {
                    index += 1
                    guard let candidate = byUID[step.uids[index - 1]] else { continue }  // expunged meanwhile, not yet announced
                    let needsBody = SearchEvaluator.needsBody(step.command.keys, message: candidate.message)
                    if needsBody { octets += candidate.message.size }
                    chunk.append((UInt32(index), candidate.message, candidate.facts, needsBody))
                }
                let needed = chunk.filter(\.needsBody).map(\.message.body)
                var bodies = (needed.isEmpty ? [] : try await store.readBodies(needed)).makeIterator()
                for entry in chunk {
                    let body = entry.needsBody ? bodies.next() : nil
                    if program.matches(message: entry.message, sequenceNumber: entry.number, body: body, facts: entry.facts) {
                        matched.append((entry.message.uid, entry.number, entry.message.modSeq))
                    }
                }
            }
            return .searched(tag: step.tag, step.command, matched, uid: step.uid, usesModSeq: step.usesModSeq)
        } catch {
            return .failed(tag: step.tag, .unavailable("search"))
        }
    }
}

extension IMAPStepRunner {
    /// The mailbox's messages as the search needs them: for keys on flags, keywords, UIDs,
    /// numbers and MODSEQ alone (UNSEEN, FLAGGED, ...), their states (what SELECT reads, often
    /// from the store's cache) without the rows' sizes, dates and summaries; otherwise, with a
    /// current view, the view's flags and `MessageFactsCache`'s facts (`viewMessages`), or the
    /// rows, without their summaries when no key reads one (LARGER, SINCE, BODY, ...).
    func candidates(_ step: IMAPSearchStep) async throws -> [SearchCandidate] {
        let byState = step.command.keys.allSatisfy(\.answeredByState)
        if !byState, let view = step.view {
            return try await viewMessages(step.mailbox, step.uids, view, fold: step.command.keys.contains(where: \.readsSummary))
        }
        guard byState, let selection = try await store.selection(of: step.mailbox) else {
            let rows = try await step.command.keys.contains(where: \.readsSummary)
                ? store.messages(in: step.mailbox) : store.messagesWithoutSummaries(in: step.mailbox)
            return rows.map { SearchCandidate(message: $0, facts: nil) }
        }
        return selection.messages.map { state in
            SearchCandidate(message: .standIn(mailbox: step.mailbox, uid: state.uid, modSeq: state.modSeq, flags: state.flags),
                            facts: nil)
        }
    }
}

extension IMAPStepRunner {
    /// The view's messages with the view's flags and mod-sequences and the rest from
    /// `MessageFactsCache`; rows not cached are read (by UID when few, else the mailbox's rows)
    /// and remembered. A UID the store no longer has (expunged, not yet announced) is left out.
    /// `fold`: the search reads summary keys, so each message's `SearchFacts` are made (once).
    func viewMessages(_ mailbox: MailboxID, _ uids: [UInt32], _ view: SearchView, fold: Bool = false) async throws -> [SearchCandidate] {
        var (found, missing) = facts.lookup(mailbox, uidValidity: view.uidValidity, uids: uids)
        if fold, found.contains(where: { !$0.folded }) {
            var refolded: [CachedMessage] = []
            found = found.map { entry in
                guard !entry.folded else { return entry }
                let again = CachedMessage(entry.message, fold: true)
                refolded.append(again)
                return again
            }
            facts.store(refolded, uidValidity: view.uidValidity)
        }
        if !missing.isEmpty {
            let read: [StoredMessage]
            if missing.count <= Self.rowsReadByUID {
                read = try await store.messages(in: mailbox, uids: missing)
            } else {
                let wanted = Set(missing)
                read = try await store.messages(in: mailbox).filter { wanted.contains($0.uid) }
            }
            found += facts.insert(read, uidValidity: view.uidValidity, fold: fold)
        }
        return found.compactMap { cached in
            view.known[cached.message.uid].map {
                SearchCandidate(message: cached.message.with(flags: $0.flags, modSeq: $0.modSeq), facts: cached.search)
            }
        }
    }

    /// Up to this many missing rows are read one by one (an index lookup each); more, the
    /// mailbox's rows in one scan.
    static let rowsReadByUID = 64
}

/// A message a search looks at, with its summary's values already folded when the cache had them.
struct SearchCandidate {
    var message: StoredMessage
    var facts: SearchFacts?
}

extension StoredMessage {
    /// A message as far as its state goes (size 0, no date, no body, no summary): enough for
    /// the keys `IMAPSearchKey.answeredByState` accepts, which read nothing else.
    static func standIn(mailbox: MailboxID, uid: UInt32, modSeq: UInt64, flags: MessageFlags) -> StoredMessage {
        StoredMessage(mailboxID: mailbox, uid: uid, modSeq: modSeq, flags: flags, internalDate: .distantPast, size: 0,
                      body: BodyReference(path: ""), summary: nil)
    }
}

extension IMAPSearchKey {
    /// Whether a message's state (UID, MODSEQ, flags) answers the key: `SearchProgram` reads
    /// nothing else for these. RECENT, NEW and OLD use the session's recent set.
    var answeredByState: Bool {
        switch self {
        case .all, .answered, .deleted, .draft, .flagged, .seen, .unanswered, .undeleted, .undraft, .unflagged, .unseen,
             .new, .old, .recent, .keyword, .unkeyword, .uid, .sequenceSet, .modSeq: true
        case .not(let key): key.answeredByState
        case .or(let a, let b): a.answeredByState && b.answeredByState
        case .and(let keys): keys.allSatisfy(\.answeredByState)
        default: false
        }
    }

    /// Whether the key reads the stored summary: the envelope fields and the sent date, answered
    /// from it unless the message's octets are read (`SearchProgram.needsBody`,
    /// `SearchedMessage.headerValues` and `sentDate` are the only readers).
    var readsSummary: Bool {
        switch self {
        case .from, .to, .cc, .bcc, .subject, .sentBefore, .sentOn, .sentSince: true
        case .not(let key): key.readsSummary
        case .or(let a, let b): a.readsSummary || b.readsSummary
        case .and(let keys): keys.contains(where: \.readsSummary)
        default: false
        }
    }

    var usesModSeq: Bool {
        switch self {
        case .modSeq: true
        case .not(let key): key.usesModSeq
        case .or(let a, let b): a.usesModSeq || b.usesModSeq
        case .and(let keys): keys.contains(where: \.usesModSeq)
        default: false
        }
    }
}
