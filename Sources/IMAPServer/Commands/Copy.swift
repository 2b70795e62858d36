import IMAPProtocol
import MailStore

extension IMAPSession {
    /// RFC 9051 §6.4.7 COPY with RFC 4315 COPYUID, and RFC 6851 MOVE: the originals expunged and
    /// the copies made in one store transaction, announced with EXPUNGE (or VANISHED) before the
    /// tagged OK; MOVE sends COPYUID in an untagged OK (RFC 6851 §4.3).
    mutating func copy(_ tag: String, _ set: IMAPSequenceSet, _ name: IMAPMailboxName, uid: Bool, move: Bool,
                       _ selected: SelectedMailbox, _ user: AuthenticatedUser) -> [IMAPAction] {
        if move && selected.readOnly { return fail(tag, .readOnly) }
        if !uid && selected.outOfRange(set) { return fail(tag, .sequenceOutOfRange) }
        let uids = selected.resolve(set, uid: uid)
        guard !uids.isEmpty else { return finish(tag, "\(move ? "MOVE" : "COPY") completed (no messages)") }
        return run(.copy(tag: tag, selected.mailbox.id, uids: uids, to: name, move: move, user, recent: selected.recentMode))
    }
}

extension IMAPStepRunner {
    func copy(_ tag: String, _ source: MailboxID, _ uids: [UInt32], to name: IMAPMailboxName, move: Bool,
              _ user: AuthenticatedUser, recent: RecentMode?) async -> IMAPStepResult {
        let verb = move ? "MOVE" : "COPY"
        do {
            guard let target = try await store.mailbox(of: user.accountID, named: name.name) else {
                return .failed(tag: tag, .noSuchMailbox(.tryCreate))
            }
            // RFC 3501 §6.4.7: copies into the selected mailbox are \Recent in the session that
            // made them. SELECT claims them in the copy's own transaction, before the change feed
            // tells any session (this one's listener included); EXAMINE only looks.
            let claiming = target.id == source && recent == .claim
            let outcome = move
                ? try await store.move(uids: uids, from: source, to: target.id, claimingRecent: claiming)
                : try await store.copy(uids: uids, from: source, to: target.id, claimingRecent: claiming)
            let pairs = outcome.pairs
            let code: IMAPResponseCode? = pairs.isEmpty ? nil : .copyUID(
                uidValidity: target.uidValidity, source: UIDSet.make(pairs.map(\.0)), destination: UIDSet.make(pairs.map(\.1)))
            // Copies into the selected mailbox itself are announced before the tagged OK, as
            // APPEND's are (RFC 9051 §6.3.12): the client can address them at once.
            var ownCopies: [AppendedMessage] = []
            var ownRecent: [UInt32] = []
            if target.id == source && !pairs.isEmpty {
                let created = Set(pairs.map(\.1))
                ownCopies = try await store.messages(in: source).filter { created.contains($0.uid) }.map { ($0.uid, $0.modSeq, $0.flags) }
                if let last = created.max() {
                    if let first = outcome.recentFrom {
                        // Everything unclaimed up to the last copy is this session's now.
                        ownRecent = first <= last ? Array(first...last) : []
                    } else if recent == .peek {
                        let first = try await store.claimRecent(in: source, through: nil)
                        ownRecent = created.filter { $0 >= first }.sorted()
                    }
                }
            }
            guard move else {
                return .done(tag: tag, IMAPCompletion(code: code, text: "COPY completed", ownCopies: ownCopies, ownRecent: ownRecent))
            }
            return .expunged(tag: tag, removed: pairs.map(\.0), modSeq: outcome.sourceModSeq, verb: verb, copyUID: code, ownCopies: ownCopies,
                             ownRecent: ownRecent)
        } catch let error as MailStoreError {
            return .failed(tag: tag, .store(error))
        } catch {
            return .failed(tag: tag, .unavailable(verb))
        }
    }
}
