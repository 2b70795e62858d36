import IMAPProtocol
import MailStore
import NIOCore

extension IMAPSessionHandler {
    /// RFC 9051 §6.4.7 COPY with RFC 4315 COPYUID, and RFC 6851 MOVE: the originals expunged and
    /// the copies made in one store transaction, announced with EXPUNGE (or VANISHED) before the
    /// tagged OK; MOVE sends COPYUID in an untagged OK (RFC 6851 §4.3).
    func copy(_ tag: String, _ set: IMAPSequenceSet, _ name: IMAPMailboxName, uid: Bool, move: Bool,
              _ selected: SelectedMailbox, _ user: AuthenticatedUser, _ context: ChannelHandlerContext) {
        if move && selected.readOnly { return no(tag, "mailbox is read-only", code: .readOnly, context) }
        if !uid && selected.outOfRange(set) { return bad(tag, "message sequence number out of range", context) }
        let uids = selected.resolve(set, uid: uid)
        let verb = move ? "MOVE" : "COPY"
        guard !uids.isEmpty else { return finish(tag, "\(verb) completed (no messages)", context) }
        let store = server.store, source = selected.mailbox.id
        perform(context) {
            do {
                guard let target = try await store.mailbox(of: user.accountID, named: name.name) else {
                    return { handler, context in handler.no(tag, "no such mailbox", code: .tryCreate, context) }
                }
                let pairs: [(UInt32, UInt32)]
                var removed: [UInt32] = []
                var modSeq: UInt64? = nil
                if move {
                    // One store transaction (RFC 6851 §3.3): a crash never leaves a message in
                    // both mailboxes. The copies get new UIDs, so a MOVE into the same mailbox works too.
                    let moved = try await store.move(uids: uids, from: source, to: target.id)
                    pairs = moved.pairs
                    removed = pairs.map(\.0)
                    modSeq = moved.sourceModSeq
                } else {
                    pairs = try await store.copy(uids: uids, from: source, to: target.id)
                }
                let code: IMAPResponseCode? = pairs.isEmpty ? nil : .copyUID(
                    uidValidity: target.uidValidity, source: UIDSet.make(pairs.map(\.0)), destination: UIDSet.make(pairs.map(\.1)))
                let gone = removed, highest = modSeq
                return { handler, context in
                    guard move else { return handler.finish(tag, code: code, "COPY completed", context) }
                    if let code { handler.send(context, .status(tag: nil, .ok, code: code, text: "copied")) }
                    handler.expunged(tag, gone, modSeq: highest, context, verb: "MOVE")
                }
            } catch let error as MailStoreError {
                return { handler, context in handler.storeFailure(tag, error, context) }
            } catch {
                return { handler, context in handler.no(tag, "cannot \(verb) now", code: .unavailable, context) }
            }
        }
    }
}
