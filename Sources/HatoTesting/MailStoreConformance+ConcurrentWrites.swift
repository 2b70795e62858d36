import Foundation
import MailStore

extension MailStoreConformance {
    /// Flag changes, expunges and appends from many sessions at once (the SQLite store commits
    /// them together, `WriteBatcher`): each is answered with its own result, a write that fails
    /// fails alone, and the mailbox ends as if they had run one after another (RFC 7162 §3.1.1:
    /// every change has its own MODSEQ, HIGHESTMODSEQ is the largest).
    public func concurrentMailboxWrites() async throws {
        let (store, alice, bob) = try await storeWithAccounts()
        let inbox = try await inbox(store, alice)
        let other = try await self.inbox(store, bob)
        let count = 40
        for n in 0..<count { _ = try await store.append(AppendRequest(bytes: Self.message("w\(n)")), to: inbox.id) }
        let missing = MailboxID(999_999)
        let before = try await store.mailbox(id: inbox.id)?.highestModSeq ?? 0
        let outcomes = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
            for uid in 1...UInt32(count) {
                group.addTask {
                    let change: FlagChange = uid % 2 == 0 ? .add(MessageFlags(system: .deleted)) : .add(MessageFlags(system: .flagged))
                    let result = try await store.setFlags(in: inbox.id, uids: [uid], change: change, unchangedSince: nil)
                    return ("store", result.updated.map(\.uid) == [uid])
                }
                group.addTask {
                    let result = try await store.append(AppendRequest(bytes: Self.message("b\(uid)")), to: other.id)
                    return ("append", result.mailboxID == other.id)
                }
            }
            group.addTask {
                do {
                    _ = try await store.setFlags(in: missing, uids: [1], change: .add(MessageFlags(system: .seen)), unchangedSince: nil)
                    return ("missing", false)
                } catch MailStoreError.mailboxNotFound {
                    return ("missing", true)
                }
            }
            return try await group.reduce(into: [(String, Bool)]()) { $0.append($1) }
        }
        try require(outcomes.count == 2 * count + 1 && outcomes.allSatisfy(\.1), "every write got its own answer: \(outcomes.filter { !$0.1 })")
        let expunged = try await store.expunge(in: inbox.id, uids: nil)
        try require(expunged == stride(from: 2, through: UInt32(count), by: 2).map { $0 }, "the \\Deleted half expunged: \(expunged)")
        let left = try await store.messages(in: inbox.id)
        try require(left.count == count / 2 && left.allSatisfy { $0.flags.system.contains(.flagged) }, "the \\Flagged half is left")
        let modSeqs = left.map(\.modSeq)
        try require(Set(modSeqs).count == modSeqs.count, "each flag change has its own MODSEQ: \(modSeqs)")
        let highest = try await store.mailbox(id: inbox.id)?.highestModSeq ?? 0
        try require(modSeqs.allSatisfy { $0 < highest } && highest == before + UInt64(count + 1),
                    "HIGHESTMODSEQ after \(count) changes and the expunge: \(before) then \(highest)")
        let appended = try await store.messages(in: other.id).map(\.uid)
        try require(appended == Array(1...UInt32(count)), "every concurrent append stored once: \(appended)")
        try await store.close()
    }
}
