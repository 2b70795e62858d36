import IMAPProtocol
import MailStore
import NIOCore

extension IMAPSessionHandler {
    /// RFC 9051 §6.4.6 STORE, RFC 7162 §3.1.3 UNCHANGEDSINCE with [MODIFIED]. The new flags are
    /// sent as FETCH unless .SILENT; with CONDSTORE a FETCH for each change carries MODSEQ even
    /// when silent (RFC 7162 §3.1.3).
    func store(_ tag: String, _ set: IMAPSequenceSet, _ storeFlags: IMAPStoreFlags, unchangedSince: UInt64?, uid: Bool,
               _ selected: SelectedMailbox, _ context: ChannelHandlerContext) {
        guard !selected.readOnly else { return no(tag, "mailbox is read-only", code: .readOnly, context) }
        if !uid && selected.outOfRange(set) { return bad(tag, "message sequence number out of range", context) }
        if unchangedSince != nil { enabled.condstore = true }
        let uids = selected.resolve(set, uid: uid)
        guard !uids.isEmpty else { return finish(tag, "STORE completed", allowExpunge: false, context) }
        let flags = MessageFlags(names: storeFlags.flags.filter { $0.caseInsensitiveCompare("\\Recent") != .orderedSame })
        let change: FlagChange = switch storeFlags.operation {
        case .replace: .replace(flags)
        case .add: .add(flags)
        case .remove: .remove(flags)
        }
        let store = server.store, id = selected.mailbox.id
        perform(context) {
            do {
                let (updated, failed) = try await store.setFlags(in: id, uids: uids, change: change, unchangedSince: unchangedSince)
                return { handler, context in
                    handler.stored(tag, updated, failed: failed, silent: storeFlags.silent, uid: uid, context)
                }
            } catch {
                return { handler, context in handler.no(tag, "cannot change flags now", code: .unavailable, context) }
            }
        }
    }

    func stored(_ tag: String, _ updated: [StoredMessage], failed: [UInt32], silent: Bool, uid: Bool,
                _ context: ChannelHandlerContext) {
        guard let selected = state.selected else { return ok(tag, "STORE completed", context) }
        var responses: [IMAPResponse] = []
        for message in updated {
            guard let n = selected.sequenceNumber(of: message.uid) else { continue }
            let previous = selected.known[message.uid]
            selected.noteFlags(message)
            let changed = previous?.modSeq != message.modSeq
            // .SILENT suppresses the echo, except the MODSEQ of real changes under CONDSTORE.
            guard !silent || (enabled.modSeqs && changed) else { continue }
            var items: [IMAPFetchItem] = []
            if uid || enabled.qresync { items.append(.uid(message.uid)) }
            if !silent { items.append(.flags(message.flags.names)) }
            if enabled.modSeqs { items.append(.modSeq(message.modSeq)) }
            responses.append(.data(.fetch(n, items)))
        }
        send(context, responses)
        if failed.isEmpty {
            finish(tag, "STORE completed", allowExpunge: false, context)
        } else {
            // RFC 7162 §3.1.3: [MODIFIED] lists the messages left alone (UIDs for UID STORE).
            let numbers = uid ? failed : failed.compactMap { selected.sequenceNumber(of: $0) }
            finish(tag, code: .modified(UIDSet.make(numbers)), "conditional STORE failed for some messages",
                   allowExpunge: false, context)
        }
    }
}
