import IMAPProtocol
import MailStore
import NIOCore

extension IMAPSessionHandler {
    /// RFC 9051 §6.4.4 SEARCH / UID SEARCH with RFC 4731 ESEARCH (RETURN MIN MAX ALL COUNT),
    /// RFC 5182 SAVE and `$`, RFC 7162 §3.1.5 MODSEQ. Matching is `SearchEvaluator`'s; this side
    /// walks the mailbox in sequence order, loads bodies only when a key needs them, and shapes
    /// the response.
    func search(_ tag: String, _ command: IMAPSearchCommand, uid: Bool, _ selected: SelectedMailbox,
                _ context: ChannelHandlerContext) {
        let evaluator: SearchEvaluator
        do {
            evaluator = try SearchEvaluator(charset: command.charset, messageLimits: server.configuration.messageLimits)
        } catch {
            return finish(tag, status: .no, code: .badCharset(SearchEvaluator.supportedCharsets), "unsupported charset",
                          allowExpunge: false, context)
        }
        let usesModSeq = command.keys.contains(where: \.usesModSeq)
        if usesModSeq { enabled.condstore = true }
        let searchContext = SearchContext(messageCount: selected.count, largestUID: selected.largestUID, savedUIDs: selected.savedUIDs)
        let uids = selected.uids
        let store = server.store, id = selected.mailbox.id, keys = command.keys
        perform(context) {
            do {
                let byUID = Dictionary(try await store.messages(in: id).map { ($0.uid, $0) }, uniquingKeysWith: { a, _ in a })
                var matched: [(uid: UInt32, number: UInt32, modSeq: UInt64)] = []
                for (index, uid) in uids.enumerated() {
                    guard let message = byUID[uid] else { continue }  // expunged meanwhile, not yet announced
                    let body: [UInt8]? = SearchEvaluator.needsBody(keys, message: message) ? try await store.readBody(message.body) : nil
                    let number = UInt32(index + 1)
                    if evaluator.matches(keys, message: message, sequenceNumber: number, context: searchContext, body: body) {
                        matched.append((uid, number, message.modSeq))
                    }
                }
                let found = matched
                return { handler, context in handler.searched(tag, command, found, uid: uid, usesModSeq: usesModSeq, context) }
            } catch {
                return { handler, context in handler.no(tag, "cannot search now", code: .unavailable, context) }
            }
        }
    }

    func searched(_ tag: String, _ command: IMAPSearchCommand, _ matched: [(uid: UInt32, number: UInt32, modSeq: UInt64)],
                  uid: Bool, usesModSeq: Bool, _ context: ChannelHandlerContext) {
        let numbers = matched.map { uid ? $0.uid : $0.number }
        // RFC 7162 §3.1.5: the highest mod-sequence of the matches, when MODSEQ was a key.
        let modSeq = usesModSeq ? matched.map(\.modSeq).max() : nil
        let done = uid ? "UID SEARCH completed" : "SEARCH completed"
        guard let options = command.returnOptions else {
            if enabled.imap4rev2 {
                // RFC 9051 §6.4.4: rev2 answers with ESEARCH.
                send(context, .data(.esearch(IMAPESearchResponse(
                    tag: tag, uid: uid, all: numbers.isEmpty ? nil : UIDSet.make(numbers), modSeq: modSeq))))
            } else {
                send(context, .data(.search(numbers, modSeq: modSeq)))
            }
            return finish(tag, done, allowExpunge: false, context)
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
        let reported = asked.filter { $0 != .save }
        if !reported.isEmpty {
            var response = IMAPESearchResponse(tag: tag, uid: uid, modSeq: modSeq)
            if reported.contains(.min) { response.min = numbers.min() }
            if reported.contains(.max) { response.max = numbers.max() }
            if reported.contains(.all), !numbers.isEmpty { response.all = UIDSet.make(numbers) }
            if reported.contains(.count) { response.count = UInt32(numbers.count) }
            send(context, .data(.esearch(response)))
        }
        finish(tag, done, allowExpunge: false, context)
    }
}

extension IMAPSearchKey {
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
