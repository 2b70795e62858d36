import IMAPProtocol
import MailStore
import NIOCore

/// FETCH of items the session already knows (UID, FLAGS, MODSEQ: what `SelectedMailbox` keeps
/// per message) is answered from the selected mailbox's view, without a round trip to the store.
/// The view holds the flags and mod-sequence last told to the client, which is what the store
/// holds unless a change is on its way through the change feed; so this is done only when no
/// change is waiting (`hasPending` false), and otherwise the store is read as before. The answer
/// is the one RFC 9051 §6.4.5 gives for these items either way: the client's view of the mailbox.
/// "No change waiting" also means none still on its way through the feed (`caughtUp`); a store
/// that cannot tell (PostgreSQL, written by other nodes) is always read.
extension IMAPSession {
    /// Messages answered per write; the next ones wait until the client has read them.
    static let viewFetchChunk = 2048

    /// True when every item can come from the view and nothing needs the store: no CHANGEDSINCE
    /// or VANISHED (RFC 7162 §3.1.4.1, §3.2.6), no feed change pending or on its way.
    static func answersFromView(_ attributes: [IMAPFetchAttribute], _ modifiers: IMAPFetchModifiers,
                                _ selected: SelectedMailbox) -> Bool {
        guard modifiers.changedSince == nil, !modifiers.vanished, selected.caughtUp else { return false }
        return attributes.allSatisfy(\.isMessageState)
    }

    /// The next messages of a FETCH answered from the view, then the tagged OK. The responses
    /// are encoded here, into one buffer (`IMAPResponseEncoder.encodeViewFetch`): an
    /// `IMAPResponse` per message, its items array and their copies through the action cost
    /// about 2,000 instructions per message (callgrind, docs/PERFORMANCE.md 2026-12-06 night).
    /// The octets are those `.send` would have written.
    mutating func nextViewFetchChunk() -> [IMAPAction] {
        guard let progress = fetch, let pending = progress.viewUIDs, let selected = state.selected else { return [] }
        let chunk = pending.prefix(Self.viewFetchChunk)
        let layout = Self.viewFetchLayout(progress.plan)
        let carriesFlags = layout.contains(.flags)
        var buffer = ByteBuffer()
        buffer.reserveCapacity(chunk.count * 40)
        for uid in chunk {
            guard let n = selected.sequenceNumber(of: uid), let known = selected.known[uid] else { continue }
            // FLAGS as this session shows them (\Recent), a keyword new to the client announced
            // first (`SelectedMailbox.announce`).
            let flags = carriesFlags ? selected.flagNames(uid, known.flags) : []
            if carriesFlags && !known.flags.keywords.isEmpty {
                for announcement in selected.announce(known.flags) { encoder.encode(announcement, into: &buffer) }
            }
            encoder.encodeViewFetch(n, layout, uid: uid, modSeq: known.modSeq, flags: flags, into: &buffer)
        }
        let sent: [IMAPAction] = buffer.readableBytes > 0 ? [.sendRaw(buffer)] : []
        let rest = pending.dropFirst(chunk.count)
        guard !rest.isEmpty else {
            fetch = nil
            return sent + finish(progress.tag, progress.plan.uid ? "UID FETCH completed" : "FETCH completed", allowExpunge: false)
        }
        fetch?.viewUIDs = rest
        awaitingWritable = true
        return sent + [.continueWhenWritable]
    }

    /// The items `FetchResponder.items` and `presented` give for UID, FLAGS and MODSEQ, in
    /// their order: UID first for UID FETCH, MODSEQ added with FLAGS under CONDSTORE (RFC 7162
    /// §3.1.4.1), then the items in the order asked.
    static func viewFetchLayout(_ plan: FetchPlan) -> [IMAPViewFetchItem] {
        var layout: [IMAPViewFetchItem] = []
        let addModSeq = plan.includeModSeq && plan.attributes.contains(.flags)
        if plan.uid { layout.append(.uid) }
        if addModSeq && !plan.attributes.contains(.modSeq) { layout.append(.modSeq) }
        for attribute in plan.attributes {
            switch attribute {
            case .uid: if !plan.uid { layout.append(.uid) }
            case .modSeq: layout.append(.modSeq)
            case .flags: layout.append(.flags)
            default: break
            }
        }
        return layout
    }
}

extension IMAPFetchAttribute {
    /// UID, FLAGS and MODSEQ: what a message's state (`MessageState`, the session's view) holds.
    var isMessageState: Bool { self == .uid || self == .flags || self == .modSeq }
}
