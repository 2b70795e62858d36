import IMAPProtocol
import MailStore
import NIOCore
import ServerRuntime

extension IMAPSessionHandler {
    /// Messages per round trip to the store: bodies of one chunk are in memory at once, and the
    /// next chunk waits until the client has read this one (see `whenWritable`).
    static let fetchChunkMessages = 64
    static let fetchChunkBytes: Int64 = 1024 * 1024

    /// RFC 9051 §6.4.5 FETCH / §6.4.8 UID FETCH, RFC 7162 CHANGEDSINCE and VANISHED. The items of
    /// each message come from `FetchResponder`; this side resolves the set, loads bodies, sets
    /// \Seen for non-PEEK body fetches (§6.4.5) and sends the responses in chunks.
    func fetch(_ tag: String, _ set: IMAPSequenceSet, _ requested: [IMAPFetchAttribute], _ modifiers: IMAPFetchModifiers,
               uid: Bool, _ selected: SelectedMailbox, _ context: ChannelHandlerContext) {
        if !uid && selected.outOfRange(set) { return bad(tag, "message sequence number out of range", context) }
        if modifiers.vanished && !(uid && modifiers.changedSince != nil && enabled.qresync) {
            // RFC 7162 §3.2.6: VANISHED only in UID FETCH with CHANGEDSINCE, after ENABLE QRESYNC.
            return bad(tag, "VANISHED needs UID FETCH, CHANGEDSINCE and ENABLE QRESYNC", context)
        }
        var attributes = requested
        // RFC 7162 §3.1.4.1: CHANGEDSINCE and MODSEQ enable CONDSTORE and imply MODSEQ.
        if modifiers.changedSince != nil || attributes.contains(.modSeq) {
            enabled.condstore = true
            if !attributes.contains(.modSeq) { attributes.append(.modSeq) }
        }
        let marksSeen = FetchResponder.marksSeen(attributes) && !selected.readOnly
        if marksSeen && !attributes.contains(.flags) { attributes.append(.flags) }
        let uids = selected.resolve(set, uid: uid)
        let store = server.store, id = selected.mailbox.id, changedSince = modifiers.changedSince
        let vanishedRanges = modifiers.vanished ? set.resolved(star: max(selected.largestUID, selected.mailbox.uidNext &- 1)) : nil
        let requestedAttributes = attributes
        perform(context) {
            do {
                var messages: [StoredMessage]
                if uids.count <= Self.fetchChunkMessages {
                    // A few messages (the common UID FETCH of one or a new batch): ask for each.
                    messages = []
                    for uid in uids { if let message = try await store.message(in: id, uid: uid) { messages.append(message) } }
                } else {
                    let wanted = Set(uids)
                    messages = try await store.messages(in: id).filter { wanted.contains($0.uid) }
                }
                if let changedSince { messages = messages.filter { $0.modSeq > changedSince } }
                var vanished: [UInt32] = []
                if let vanishedRanges, let changedSince {
                    vanished = try await store.expungedUIDs(in: id, since: changedSince)
                        .filter { uid in vanishedRanges.contains { $0.contains(uid) } }
                }
                let found = messages, gone = vanished
                return { handler, context in
                    if !gone.isEmpty { handler.send(context, .data(.vanished(earlier: true, UIDSet.make(gone)))) }
                    handler.fetchChunk(tag, found[...], requestedAttributes, uid: uid, marksSeen: marksSeen, context)
                }
            } catch {
                return { handler, context in handler.no(tag, "cannot read messages now", code: .unavailable, context) }
            }
        }
    }

    func fetchChunk(_ tag: String, _ remaining: ArraySlice<StoredMessage>, _ attributes: [IMAPFetchAttribute], uid: Bool,
                    marksSeen: Bool, _ context: ChannelHandlerContext) {
        guard !remaining.isEmpty, let selected = state.selected else {
            return finish(tag, uid ? "UID FETCH completed" : "FETCH completed", allowExpunge: false, context)
        }
        var count = 0
        var bytes: Int64 = 0
        for message in remaining {
            if Self.streams(attributes, message) {
                // A large message goes alone, from disk in pieces.
                guard count == 0 else { break }
                let remainder = FetchRemainder(tag: tag, rest: remaining.dropFirst(), attributes: attributes, uid: uid, marksSeen: marksSeen)
                return fetchStreamed(message, remainder, context)
            }
            guard count < Self.fetchChunkMessages, count == 0 || bytes + message.size <= Self.fetchChunkBytes else { break }
            count += 1
            bytes += message.size
        }
        let chunk = Array(remaining.prefix(count)), rest = remaining.dropFirst(count)
        let responder = FetchResponder(includeModSeq: enabled.modSeqs, messageLimits: server.configuration.messageLimits)
        let store = server.store, id = selected.mailbox.id, logger = self.logger
        perform(context) {
            var results: [(StoredMessage, Result<[IMAPFetchItem], FetchFailure>)] = []
            do {
                var messages = chunk
                if marksSeen {
                    let unseen = messages.filter { !$0.flags.system.contains(.seen) }.map(\.uid)
                    if !unseen.isEmpty {
                        let (updated, _) = try await store.setFlags(
                            in: id, uids: unseen, change: .add(MessageFlags(system: .seen)), unchangedSince: nil)
                        let byUID = Dictionary(updated.map { ($0.uid, $0) }, uniquingKeysWith: { a, _ in a })
                        messages = messages.map { byUID[$0.uid] ?? $0 }
                    }
                }
                for message in messages {
                    // Bodies only when an item needs the octets (or the summary is missing).
                    let body: [UInt8]? = FetchResponder.needsBody(attributes, message: message) ? try await store.readBody(message.body) : nil
                    do throws(FetchFailure) {
                        results.append((message, .success(try responder.items(for: message, attributes: attributes, uid: uid, body: body))))
                    } catch {
                        results.append((message, .failure(error)))
                    }
                }
            } catch {
                logger.error("FETCH failed", metadata: ["error": "\(LogSafe.escaped("\(error)"))"])
                return { handler, context in handler.no(tag, "cannot read messages now", code: .unavailable, context) }
            }
            let done = results
            return { handler, context in
                guard let selected = handler.state.selected else { return }
                var responses: [IMAPResponse] = []
                for (message, result) in done {
                    guard let n = selected.sequenceNumber(of: message.uid) else { continue }
                    switch result {
                    case .success(let items):
                        if marksSeen { selected.noteFlags(message) }
                        responses.append(.data(.fetch(n, items)))
                    case .failure(.unknownCTE):
                        // RFC 3516 §4.3: the part's encoding cannot be decoded for BINARY.
                        handler.send(context, responses)
                        return handler.finish(tag, status: .no, code: .unknownCTE, "unknown Content-Transfer-Encoding",
                                              allowExpunge: false, context)
                    }
                }
                handler.send(context, responses)
                // The next messages are read from disk only once the client has taken these:
                // a client that does not read holds one chunk, not the mailbox.
                handler.whenWritable(context) { handler, context in
                    handler.fetchChunk(tag, rest, attributes, uid: uid, marksSeen: marksSeen, context)
                }
            }
        }
    }
}
