import Foundation
import MailStore

extension MailStoreConformance {
    /// RFC 3501 §2.3.2: each message is recent for one claimant only; reading does not claim;
    /// STATUS counts what nobody has claimed; copies are recent in their new mailbox.
    public func recent() async throws {
        let (store, alice, _) = try await storeWithAccounts()
        let inbox = try await inbox(store, alice)
        for n in 1...3 { _ = try await store.append(AppendRequest(bytes: Self.message("r\(n)")), to: inbox.id) }
        try require(try await store.claimRecent(in: inbox.id, through: nil) == 1, "a new mailbox's mail is all recent")
        try require(try await store.status(inbox.id).recent == 3, "STATUS RECENT counts unclaimed messages")
        try await requireSelectionAgrees(store, inbox.id, firstRecent: 1)
        try require(try await store.claimRecent(in: inbox.id, through: 2) == 1, "the first claimant gets 1...2")
        try await requireSelectionAgrees(store, inbox.id, firstRecent: 3)
        try require(try await store.claimRecent(in: inbox.id, through: 2) == 3, "a second claimant gets none of them")
        let left = try await store.status(inbox.id).recent
        try require(left == 1, "one left: \(left)")
        // Concurrent claimants of the same messages: exactly one gets each.
        for n in 4...9 { _ = try await store.append(AppendRequest(bytes: Self.message("r\(n)")), to: inbox.id) }
        let floors = try await withThrowingTaskGroup(of: UInt32.self) { group in
            for _ in 0..<8 { group.addTask { try await store.claimRecent(in: inbox.id, through: 9) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        try require(floors.filter { $0 <= 9 } == [3], "one claimant got 3...9, the others nothing: \(floors)")
        try require(try await store.status(inbox.id).recent == 0, "nothing left to claim")
        guard let archive = try await store.mailbox(of: alice.id, named: "Archive") else { throw ConformanceFailure("no Archive") }
        _ = try await store.claimRecent(in: archive.id, through: 0)
        _ = try await store.copy(uids: [1], from: inbox.id, to: archive.id)
        try require(try await store.status(archive.id).recent == 1, "a copy is recent in its new mailbox (RFC 3501 §6.4.7)")
        try await store.close()
    }

    /// `selection(of:)` (IMAP SELECT's one read) gives what the three reads it replaces give.
    func requireSelectionAgrees(_ store: any MailStore, _ mailbox: MailboxID, firstRecent: UInt32) async throws {
        guard let selection = try await store.selection(of: mailbox) else { throw ConformanceFailure("no selection of \(mailbox)") }
        try require(selection.messages == (try await store.messageStates(in: mailbox)), "selection: the message states")
        try require(selection.mailbox == (try await store.mailbox(id: mailbox)), "selection: the mailbox now")
        try require(selection.firstRecentUID == firstRecent, "selection: first unclaimed \\Recent UID \(selection.firstRecentUID)")
        try require(try await store.selection(of: MailboxID(999_999)) == nil, "no mailbox, no selection")
    }

    /// RFC 3501 §6.4.7: a COPY or MOVE into the mailbox a session has selected makes the copies
    /// \Recent in that session. The claim is part of the copy's transaction, so no other
    /// session (nor the copier's own change-feed listener) can claim them first.
    public func copyClaimsRecent() async throws {
        let (store, alice, _) = try await storeWithAccounts()
        let inbox = try await inbox(store, alice)
        for n in 1...3 { _ = try await store.append(AppendRequest(bytes: Self.message("c\(n)")), to: inbox.id) }
        _ = try await store.claimRecent(in: inbox.id, through: 2)
        let copied = try await store.copy(uids: [1], from: inbox.id, to: inbox.id, claimingRecent: true)
        try require(copied.pairs.map(\.1) == [4] && copied.recentFrom == 3,
                    "the copier gets 3...4, unclaimed until then: \(copied.pairs) from \(String(describing: copied.recentFrom))")
        try require(try await store.claimRecent(in: inbox.id, through: 4) == 5, "nobody else can claim the copy")
        let moved = try await store.move(uids: [4], from: inbox.id, to: inbox.id, claimingRecent: true)
        try require(moved.pairs.map(\.1) == [5] && moved.recentFrom == 5 && moved.sourceModSeq != nil,
                    "a MOVE within the mailbox claims its copy: \(moved.pairs) from \(String(describing: moved.recentFrom))")
        try require(try await store.status(inbox.id).recent == 0, "nothing left to claim")
        let plain = try await store.copy(uids: [1], from: inbox.id, to: inbox.id, claimingRecent: false)
        let unclaimed = try await store.status(inbox.id).recent
        try require(plain.recentFrom == nil && unclaimed == 1, "without claiming, the copy stays unclaimed: \(unclaimed)")
        try await store.close()
    }
}
