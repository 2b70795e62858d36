import IMAPProtocol
import MailStore

extension IMAPSession {
    /// RFC 9051 §6.4.6 STORE, RFC 7162 §3.1.3 UNCHANGEDSINCE with [MODIFIED]. The new flags are
    /// sent as FETCH unless .SILENT; with CONDSTORE a FETCH for each change carries MODSEQ even
    /// when silent (RFC 7162 §3.1.3).
    mutating func store(_ tag: String, _ set: IMAPSequenceSet, _ storeFlags: IMAPStoreFlags, unchangedSince: UInt64?, uid: Bool,
                        _ selected: SelectedMailbox) -> [IMAPAction] {
        guard !selected.readOnly else { return fail(tag, .readOnly) }
        if !uid && selected.outOfRange(set) { return fail(tag, .sequenceOutOfRange) }
        if unchangedSince != nil { enabled.condstore = true }
        let uids = selected.resolve(set, uid: uid)
        guard !uids.isEmpty else { return finish(tag, "STORE completed", allowExpunge: false) }
        let flags = MessageFlags(names: storeFlags.flags.filter { $0.caseInsensitiveCompare("\\Recent") != .orderedSame })
        let change: FlagChange = switch storeFlags.operation {
        case .replace: .replace(flags)
        case .add: .add(flags)
        case .remove: .remove(flags)
        }
        return run(.store(tag: tag, selected.mailbox.id, uids: uids, change, unchangedSince: unchangedSince,
                          silent: storeFlags.silent, uid: uid))
    }

    mutating func stored(_ tag: String, _ updated: [StoredMessage], failed: [UInt32], silent: Bool, uid: Bool) -> [IMAPAction] {
        guard let selected = state.selected else { return send([.status(tag: tag, .ok, text: "STORE completed")]) }
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
            if !silent {
                // RFC 3501 §7.2.6: a keyword new to the mailbox is announced first.
                responses += selected.announce(message.flags)
                items.append(.flags(selected.flagNames(message.uid, message.flags)))
            }
            if enabled.modSeqs { items.append(.modSeq(message.modSeq)) }
            responses.append(.data(.fetch(n, items)))
        }
        let echoed = send(responses)
        if failed.isEmpty { return echoed + finish(tag, "STORE completed", allowExpunge: false) }
        // RFC 7162 §3.1.3: [MODIFIED] lists the messages left alone (UIDs for UID STORE).
        let numbers = uid ? failed : failed.compactMap { selected.sequenceNumber(of: $0) }
        return echoed + finish(tag, code: .modified(UIDSet.make(numbers)), "conditional STORE failed for some messages",
                               allowExpunge: false)
    }
}

extension IMAPStepRunner {
    func store(_ tag: String, _ mailbox: MailboxID, _ uids: [UInt32], _ change: FlagChange, unchangedSince: UInt64?,
               silent: Bool, uid: Bool) async -> IMAPStepResult {
        do {
            let (updated, failed) = try await store.setFlags(in: mailbox, uids: uids, change: change, unchangedSince: unchangedSince)
            return .stored(tag: tag, updated: updated, failed: failed, silent: silent, uid: uid)
        } catch {
            return .failed(tag: tag, .unavailable("change flags"))
        }
    }
}
