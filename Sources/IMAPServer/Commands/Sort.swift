import IMAPProtocol
import MailMessage
import MailStore

/// SORT's or THREAD's work: the search as SEARCH runs it, then the matches put in order.
struct IMAPSortStep: Sendable {
    enum Order: Sendable {
        case sort(IMAPSortCommand)
        case thread(IMAPThreadAlgorithm)
    }

    var search: IMAPSearchStep
    var order: Order
}

/// What SORT or THREAD came to: the matches in sorted order, or the threads.
enum IMAPSortOutcome: Sendable {
    /// `sortable`: the matches' sort keys, when UPDATE keeps the result live (RFC 5267 §4.3).
    case sorted(IMAPSortCommand, [SearchMatch], sortable: [SortableMessage])
    case threads([IMAPThreadNode])
}

extension IMAPSession {
    /// RFC 5256 §3 SORT / UID SORT (RFC 5957 DISPLAYFROM/DISPLAYTO, RFC 5267 ESORT) and
    /// THREAD / UID THREAD: the search program is SEARCH's (`search-criteria`, its CHARSET
    /// required by the grammar); the ordering is `MessageSorter`'s and `MessageThreader`'s.
    mutating func sortOrThread(_ tag: String, _ search: IMAPSearchCommand, _ order: IMAPSortStep.Order, uid: Bool,
                               _ selected: SelectedMailbox) -> [IMAPAction] {
        if updateTagInUse(tag, search, selected) { return fail(tag, .updateTagInUse) }
        guard let step = searchStep(tag, search, uid: uid, selected) else { return fail(tag, .badCharset) }
        return run(.sort(IMAPSortStep(search: step, order: order)))
    }

    mutating func sortedOrThreaded(_ tag: String, _ outcome: IMAPSortOutcome, uid: Bool, usesModSeq: Bool) -> [IMAPAction] {
        let verb: String
        let response: IMAPResponseData?
        var untagged: [IMAPResponse] = []
        switch outcome {
        case .threads(let threads):
            verb = "THREAD"
            response = .thread(threads)
        case .sorted(let command, let matched, let sortable):
            verb = "SORT"
            let numbers = matched.map { uid ? $0.uid : $0.number }
            if let options = command.search.returnOptions {
                // RFC 5267 §3.1: MIN and MAX are the first and last in the sort order, ALL keeps
                // it; §4.4 PARTIAL too; §4.3 UPDATE keeps the result live.
                let asked = options.isEmpty ? [IMAPSearchReturnOption.all] : options
                let reported = asked.filter { $0 != .context && $0 != .update }
                var e = IMAPESearchResponse(tag: tag, uid: uid, modSeq: usesModSeq ? Self.reportedModSeq(matched, reported) : nil)
                if asked.contains(.min) { e.min = numbers.first }
                if asked.contains(.max) { e.max = numbers.last }
                if asked.contains(.all), !numbers.isEmpty { e.all = UIDSet.sortOrder(numbers) }
                if asked.contains(.count) { e.count = UInt32(numbers.count) }
                if let range = asked.partialRange { e.partial = (range, Self.partial(numbers, range, ordered: true)) }
                response = .esearch(e)
                untagged = keepUpdated(tag, command.search, criteria: command.criteria, results: matched.map(\.uid),
                                       sortable: sortable, uid: uid)
            } else {
                // RFC 7162 §3.1.5: the highest mod-sequence of the matches, when MODSEQ was a key.
                response = .sort(numbers, modSeq: usesModSeq ? matched.map(\.modSeq).max() : nil)
            }
        }
        let done = (uid ? "UID " : "") + verb + " completed"
        return send((response.map { [.data($0)] } ?? []) + untagged) + finish(tag, done, allowExpunge: false)
    }
}

extension IMAPStepRunner {
    func sort(_ step: IMAPSortStep) async -> IMAPStepResult {
        let search = step.search
        do {
            let messages = if let view = search.view {
                try await viewMessages(search.mailbox, search.uids, view).map(\.message)
            } else {
                try await store.messages(in: search.mailbox)
            }
            let byUID = Dictionary(messages.map { ($0.uid, $0) }, uniquingKeysWith: { a, _ in a })
            var matched: [SortableMessage] = []
            let program = search.evaluator.program(search.command.keys, context: search.context)
            for (index, uid) in search.uids.enumerated() {
                guard let message = byUID[uid] else { continue }  // expunged meanwhile, not yet announced
                let number = UInt32(index + 1)
                // A message stored without a summary is read once, for the search and its keys.
                let needsOctets = message.summary == nil || SearchEvaluator.needsBody(search.command.keys, message: message)
                let body: [UInt8]? = needsOctets ? try await store.readBody(message.body) : nil
                guard program.matches(message: message, sequenceNumber: number, body: body) else { continue }
                let summary = StoredSummary.summary(of: message, body: body, limits: configuration.messageLimits)
                matched.append(SortableMessage(message: message, number: number, summary: summary,
                                               maxReferences: configuration.threadMaxReferences))
            }
            let outcome: IMAPSortOutcome
            switch step.order {
            case .sort(let command):
                let sorted = MessageSorter.sort(matched, by: command.criteria)
                let live = command.search.returnOptions?.contains(.update) == true
                outcome = .sorted(command, sorted.map { ($0.uid, $0.number, $0.modSeq) }, sortable: live ? sorted : [])
            case .thread(let algorithm):
                outcome = .threads(MessageThreader.threads(matched, algorithm) { search.uid ? $0.uid : $0.number })
            }
            return .sorted(tag: search.tag, outcome, uid: search.uid, usesModSeq: search.usesModSeq)
        } catch {
            return .failed(tag: search.tag, .unavailable(step.order.isThread ? "thread" : "sort"))
        }
    }
}

extension IMAPSortStep.Order {
    var isThread: Bool {
        if case .thread = self { return true }
        return false
    }
}

extension UIDSet {
    /// Numbers in the order given, with ascending runs (n, n+1, ...) written as ranges: ESORT's
    /// ALL is "in the requested sort order" (RFC 5267 §3.1).
    static func sortOrder(_ values: [UInt32]) -> IMAPSequenceSet {
        var ranges: [IMAPSequenceRange] = []
        var i = 0
        while i < values.count {
            var j = i
            while j + 1 < values.count, values[j] != .max, values[j + 1] == values[j] + 1 { j += 1 }
            ranges.append(IMAPSequenceRange(.number(values[i]), .number(values[j])))
            i = j + 1
        }
        return IMAPSequenceSet(ranges)
    }
}
