import IMAPProtocol
import MailStore
import ServerRuntime

/// The FETCH being answered: what is left to send, chunk by chunk, each only once the client has
/// read the previous one (a client that does not read holds one chunk, not the mailbox).
struct FetchProgress {
    var tag: String
    var plan: FetchPlan
    var rest: ArraySlice<StoredMessage> = []
    /// A large message being streamed from disk (`FetchStreaming.swift`).
    var stream: FetchStream?
    /// Messages still to answer from the session's view (`FetchFromView.swift`).
    var viewUIDs: ArraySlice<UInt32>?
}

extension IMAPSession {
    /// Messages per round trip to the store: bodies of one chunk are in memory at once.
    static let fetchChunkMessages = 64
    static let fetchChunkBytes: Int64 = 1024 * 1024

    /// RFC 9051 §6.4.5 FETCH / §6.4.8 UID FETCH, RFC 7162 CHANGEDSINCE and VANISHED. The items of
    /// each message come from `FetchResponder` (in the step); this side resolves the set, decides
    /// \Seen for non-PEEK body fetches (§6.4.5) and sends the responses in chunks.
    mutating func fetch(_ tag: String, _ set: IMAPSequenceSet, _ requested: [IMAPFetchAttribute], _ modifiers: IMAPFetchModifiers,
                        uid: Bool, _ selected: SelectedMailbox) -> [IMAPAction] {
        if !uid && selected.outOfRange(set) { return fail(tag, .sequenceOutOfRange) }
        // RFC 7162 §3.2.6: VANISHED only in UID FETCH with CHANGEDSINCE, after ENABLE QRESYNC.
        if modifiers.vanished && !(uid && modifiers.changedSince != nil && enabled.qresync) { return fail(tag, .vanishedMisused) }
        var attributes = requested
        // RFC 7162 §3.1.4.1: CHANGEDSINCE and MODSEQ enable CONDSTORE and imply MODSEQ.
        if modifiers.changedSince != nil || attributes.contains(.modSeq) {
            enabled.condstore = true
            if !attributes.contains(.modSeq) { attributes.append(.modSeq) }
        }
        let marksSeen = FetchResponder.marksSeen(attributes) && !selected.readOnly
        if marksSeen && !attributes.contains(.flags) { attributes.append(.flags) }
        let vanishedRanges = modifiers.vanished ? set.resolved(star: max(selected.largestUID, selected.mailbox.uidNext &- 1)) : nil
        let plan = FetchPlan(attributes: attributes, uid: uid, marksSeen: marksSeen, includeModSeq: enabled.modSeqs)
        fetch = FetchProgress(tag: tag, plan: plan)
        if Self.answersFromView(attributes, modifiers, selected) {
            fetch?.viewUIDs = selected.resolve(set, uid: uid)[...]
            return nextViewFetchChunk()
        }
        let current = modifiers.changedSince == nil && !modifiers.vanished && selected.caughtUp
        let view = current ? SearchView(uidValidity: selected.mailbox.uidValidity, known: selected.known) : nil
        return run(.fetchMessages(tag: tag, selected.mailbox.id, uids: selected.resolve(set, uid: uid),
                                  changedSince: modifiers.changedSince, vanishedRanges: vanishedRanges, plan: plan, view: view))
    }

    mutating func fetchMessagesRead(_ tag: String, _ messages: [StoredMessage], vanished: [UInt32],
                                    firstChunk: [FetchedMessage]? = nil) -> [IMAPAction] {
        guard fetch != nil else { return [] }
        fetch?.rest = messages[...]
        let earlier = vanished.isEmpty ? [] : send([.data(.vanished(earlier: true, UIDSet.make(vanished)))])
        if let firstChunk {
            fetch?.rest = messages.dropFirst(firstChunk.count)
            return earlier + fetchChunkRead(tag, firstChunk)
        }
        return earlier + nextFetchChunk()
    }

    /// True when `nextFetchChunk` would send all of `messages` as one chunk (none streamed).
    static func fitsOneChunk(_ messages: [StoredMessage], _ plan: FetchPlan) -> Bool {
        guard !messages.isEmpty, messages.count <= fetchChunkMessages else { return false }
        guard !messages.contains(where: { streams(plan.attributes, $0) }) else { return false }
        return messages.count == 1 || messages.reduce(0, { $0 + $1.size }) <= fetchChunkBytes
    }

    /// The next chunk of messages, or a large one alone (streamed), or the tagged OK.
    mutating func nextFetchChunk() -> [IMAPAction] {
        guard let progress = fetch else { return [] }
        let remaining = progress.rest
        guard !remaining.isEmpty, let selected = state.selected else {
            fetch = nil
            return finish(progress.tag, progress.plan.uid ? "UID FETCH completed" : "FETCH completed", allowExpunge: false)
        }
        var count = 0
        var bytes: Int64 = 0
        for message in remaining {
            if Self.streams(progress.plan.attributes, message) {
                // A large message goes alone, from disk in pieces.
                guard count == 0 else { break }
                fetch?.rest = remaining.dropFirst()
                return run(.fetchStreamHead(tag: progress.tag, selected.mailbox.id, message, progress.plan))
            }
            guard count < Self.fetchChunkMessages, count == 0 || bytes + message.size <= Self.fetchChunkBytes else { break }
            count += 1
            bytes += message.size
        }
        fetch?.rest = remaining.dropFirst(count)
        return run(.fetchChunk(tag: progress.tag, selected.mailbox.id, Array(remaining.prefix(count)), progress.plan))
    }

    mutating func fetchChunkRead(_ tag: String, _ results: [FetchedMessage]) -> [IMAPAction] {
        guard let progress = fetch, let selected = state.selected else { return [] }
        var responses: [IMAPResponse] = []
        for (message, result) in results {
            guard let n = selected.sequenceNumber(of: message.uid) else { continue }
            switch result {
            case .success(let items):
                if progress.plan.marksSeen { selected.noteFlags(message) }
                responses += selected.presented(n, message, items)
            case .failure(.unknownCTE):
                // RFC 3516 §4.3: the part's encoding cannot be decoded for BINARY.
                fetch = nil
                return send(responses) + fail(tag, .unknownCTE)
            }
        }
        if progress.rest.isEmpty && progress.stream == nil && progress.viewUIDs == nil {
            // The last chunk (most FETCHes have one): the completion goes out in the same write.
            fetch = nil
            return Self.joiningFirstSend(responses, finish(progress.tag, progress.plan.uid ? "UID FETCH completed" : "FETCH completed",
                                                           allowExpunge: false))
        }
        // The next messages are read from disk only once the client has taken these.
        awaitingWritable = true
        return send(responses) + [.continueWhenWritable]
    }


    /// The client has read what was sent: the streamed message goes on, or the next chunk.
    mutating func continueFetch() -> [IMAPAction] {
        guard let progress = fetch else { return [] }
        if let stream = progress.stream { return streamNextPiece(progress.tag, stream) }
        if progress.viewUIDs != nil { return nextViewFetchChunk() }
        return nextFetchChunk()
    }
}

extension IMAPStepRunner {
    func fetchMessages(_ tag: String, _ mailbox: MailboxID, _ uids: [UInt32], changedSince: UInt64?,
                       vanishedRanges: [ClosedRange<UInt32>]?, plan: FetchPlan? = nil, view: SearchView? = nil) async -> IMAPStepResult {
        do {
            var messages: [StoredMessage]
            if let view {
                // A current view: the rows come from the facts cache (those it lacks are read),
                // in the order the store reads would give: the set's for a few, UID order for many.
                let found = try await viewMessages(mailbox, uids, view)
                let byUID = Dictionary(found.map { ($0.message.uid, $0.message) }, uniquingKeysWith: { a, _ in a })
                messages = uids.count <= IMAPSession.fetchChunkMessages
                    ? uids.compactMap { byUID[$0] } : byUID.values.sorted { $0.uid < $1.uid }
            } else if uids.count <= IMAPSession.fetchChunkMessages {
                // A few messages (the common UID FETCH of one or a new batch): their rows only.
                messages = try await store.messages(in: mailbox, uids: uids)
            } else if let plan, plan.attributes.allSatisfy(\.isMessageState), !plan.marksSeen,
                      let selection = try await store.selection(of: mailbox) {
                // UID, FLAGS and MODSEQ of many (FETCH 1:* FLAGS while a change is on its way, so
                // not from the view): the states SELECT reads, not every row with its summary
                // (1.7 M instructions per FETCH of 100 messages; 4% of the IMAP mix, issue 24).
                let wanted = Set(uids)
                messages = selection.messages.filter { wanted.contains($0.uid) }.map {
                    StoredMessage.standIn(mailbox: mailbox, uid: $0.uid, modSeq: $0.modSeq, flags: $0.flags)
                }
            } else {
                let wanted = Set(uids)
                messages = try await store.messages(in: mailbox).filter { wanted.contains($0.uid) }
            }
            if let changedSince { messages = messages.filter { $0.modSeq > changedSince } }
            var vanished: [UInt32] = []
            if let vanishedRanges, let changedSince {
                vanished = try await store.expungedUIDs(in: mailbox, since: changedSince)
                    .filter { uid in vanishedRanges.contains { $0.contains(uid) } }
            }
            // One chunk's worth (the common FETCH of a message or a few): its items in this step
            // too, sparing a round trip through the event loop.
            if let plan, IMAPSession.fitsOneChunk(messages, plan) {
                guard case .fetchChunk(_, let results) = await fetchChunk(tag, mailbox, messages, plan) else {
                    return .failed(tag: tag, .unavailable("read messages"))
                }
                return .fetchMessages(tag: tag, messages, vanished: vanished, firstChunk: results)
            }
            return .fetchMessages(tag: tag, messages, vanished: vanished)
        } catch {
            return .failed(tag: tag, .unavailable("read messages"))
        }
    }

    /// One chunk: \Seen set where the plan says so, bodies read only when an item needs the
    /// octets (or the summary is missing), items made by `FetchResponder`.
    func fetchChunk(_ tag: String, _ mailbox: MailboxID, _ chunk: [StoredMessage], _ plan: FetchPlan) async -> IMAPStepResult {
        let responder = FetchResponder(includeModSeq: plan.includeModSeq, messageLimits: configuration.messageLimits)
        var results: [FetchedMessage] = []
        do {
            var messages = chunk
            if plan.marksSeen {
                let unseen = messages.filter { !$0.flags.system.contains(.seen) }.map(\.uid)
                if !unseen.isEmpty {
                    let (updated, _) = try await store.setFlags(
                        in: mailbox, uids: unseen, change: .add(MessageFlags(system: .seen)), unchangedSince: nil)
                    let byUID = Dictionary(updated.map { ($0.uid, $0) }, uniquingKeysWith: { a, _ in a })
                    messages = messages.map { byUID[$0.uid] ?? $0 }
                }
            }
            // The chunk's bodies in one read, not one hop to the I/O threads per message.
            let needed = messages.map { FetchResponder.needsBody(plan.attributes, message: $0) }
            var bodies = try await store.readBodies(zip(messages, needed).filter(\.1).map(\.0.body)).makeIterator()
            for (message, needsBody) in zip(messages, needed) {
                let body: [UInt8]? = needsBody ? bodies.next() : nil
                do throws(FetchFailure) {
                    results.append((message, .success(try responder.items(for: message, attributes: plan.attributes, uid: plan.uid,
                                                                           body: body))))
                } catch {
                    results.append((message, .failure(error)))
                }
            }
        } catch {
            logger.error("FETCH failed", metadata: ["error": "\(LogSafe.escaped("\(error)"))"])
            return .failed(tag: tag, .unavailable("read messages"))
        }
        return .fetchChunk(tag: tag, results)
    }
}
