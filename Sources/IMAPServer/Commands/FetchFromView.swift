import IMAPProtocol
import MailStore

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
        return attributes.allSatisfy { $0 == .uid || $0 == .flags || $0 == .modSeq }
    }

    /// The next messages of a FETCH answered from the view, then the tagged OK.
    mutating func nextViewFetchChunk() -> [IMAPAction] {
        guard let progress = fetch, let pending = progress.viewUIDs, let selected = state.selected else { return [] }
        let chunk = pending.prefix(Self.viewFetchChunk)
        var responses: [IMAPResponse] = []
        responses.reserveCapacity(chunk.count)
        for uid in chunk {
            guard let n = selected.sequenceNumber(of: uid), let known = selected.known[uid] else { continue }
            selected.presentFromView(n, uid: uid, flags: known.flags, modSeq: known.modSeq, progress.plan, into: &responses)
        }
        let rest = pending.dropFirst(chunk.count)
        guard !rest.isEmpty else {
            fetch = nil
            return send(responses) + finish(progress.tag, progress.plan.uid ? "UID FETCH completed" : "FETCH completed",
                                            allowExpunge: false)
        }
        fetch?.viewUIDs = rest
        awaitingWritable = true
        return send(responses) + [.continueWhenWritable]
    }
}

extension SelectedMailbox {
    /// The FETCH response `FetchResponder.items` and `presented` give for these items: UID first
    /// for UID FETCH, MODSEQ added with FLAGS under CONDSTORE (RFC 7162 §3.1.4.1), then the
    /// items in the order asked; FLAGS as this session shows them (\Recent, new keywords first).
    /// Appended to `responses`: no array per message (a FETCH 1:* of a mailbox calls this once
    /// per message).
    func presentFromView(_ number: UInt32, uid: UInt32, flags: MessageFlags, modSeq: UInt64,
                         _ plan: FetchPlan, into responses: inout [IMAPResponse]) {
        var items: [IMAPFetchItem] = []
        items.reserveCapacity(plan.attributes.count + 2)
        let addModSeq = plan.includeModSeq && plan.attributes.contains(.flags)
        if plan.uid { items.append(.uid(uid)) }
        if addModSeq && !plan.attributes.contains(.modSeq) { items.append(.modSeq(modSeq)) }
        var carriesFlags = false
        for attribute in plan.attributes {
            switch attribute {
            case .uid: if !plan.uid { items.append(.uid(uid)) }
            case .modSeq: items.append(.modSeq(modSeq))
            case .flags:
                carriesFlags = true
                items.append(.flags(flagNames(uid, flags)))
            default: break
            }
        }
        if carriesFlags && !flags.keywords.isEmpty { responses += announce(flags) }
        responses.append(.data(.fetch(number, items)))
    }
}
