import Foundation
import MailCore
import MailStore

extension MailStoreConformance {
    /// `messages(in:uids:)` and `readBodies(_:)`: what one call per message gives, in the order
    /// asked, a UID not in the mailbox (or in another) left out; `messagesWithoutSummaries(in:)`:
    /// `messages(in:)` with the summaries left out.
    public func batchReads() async throws {
        let (store, alice, bob) = try await storeWithAccounts()
        let inbox = try await inbox(store, alice)
        let other = try await self.inbox(store, bob)
        for subject in ["one", "two", "three"] {  // each with a summary the store keeps as given
            let summary = Data("{\"subject\":\"\(subject)\"}".utf8)
            _ = try await store.append(AppendRequest(bytes: Self.message(subject, size: 300), summary: summary), to: inbox.id)
        }
        _ = try await store.append(AppendRequest(bytes: Self.message("bob's")), to: other.id)
        let asked = try await store.messages(in: inbox.id, uids: [3, 9, 1])
        try require(asked.map(\.uid) == [3, 1], "in the order asked, the missing UID left out: \(asked.map(\.uid))")
        for message in asked {
            try require(try await store.message(in: inbox.id, uid: message.uid) == message, "the same row as message(in:uid:)")
        }
        try require(try await store.messages(in: other.id, uids: [2, 3]).isEmpty, "UIDs of another mailbox are not in this one")
        try require(try await store.messages(in: inbox.id, uids: []).isEmpty, "nothing asked, nothing read")
        let bodies = try await store.readBodies(asked.map(\.body))
        try require(bodies == [Self.message("three", size: 300), Self.message("one", size: 300)], "bodies byte for byte, in order")
        try require(try await store.readBodies([]).isEmpty, "no bodies asked, none read")
        // Rows without summaries (IMAP SEARCH on sizes, dates, bodies): the same rows, summary nil.
        let whole = try await store.messages(in: inbox.id)
        try require(whole.map(\.summary) == ["one", "two", "three"].map { Data("{\"subject\":\"\($0)\"}".utf8) },
                    "the summaries as given")
        let lean = try await store.messagesWithoutSummaries(in: inbox.id)
        try require(lean.allSatisfy { $0.summary == nil }, "no summary read")
        try require(lean == whole.map(\.withoutSummary), "every other column as messages(in:) reads it, in UID order")
        try await store.close()
    }
}
