import Foundation
import MailStore

extension MailStoreConformance {
    /// RFC 8508 §3.4: REPLACE is one action. The old message goes and the new one comes in one
    /// transaction; the quota counts the net change; a failure changes nothing.
    public func replace() async throws {
        let (store, alice, _) = try await storeWithAccounts(quota: Quota(maxBytes: 1000, maxMessages: 2))
        let inbox = try await inbox(store, alice)
        guard let drafts = try await store.mailbox(of: alice.id, named: "Drafts") else { throw ConformanceFailure("no Drafts") }
        _ = try await store.append(AppendRequest(bytes: Self.message("d1", size: 400)), to: drafts.id)
        _ = try await store.append(AppendRequest(bytes: Self.message("i1", size: 400)), to: inbox.id)
        let feed = store.changes(in: drafts.id)
        let before = try await store.mailbox(id: drafts.id)!.highestModSeq

        // At the message quota (2 of 2) and with 800 of 1000 bytes: only the net change counts.
        let replaced = try await store.replace(
            uid: 1, in: drafts.id, with: AppendRequest(bytes: Self.message("d2", size: 500), flags: MessageFlags(names: ["\\Draft"])),
            to: drafts.id)
        try require(replaced.appended.uid == 2 && replaced.expungeModSeq == before + 1 && replaced.appended.modSeq == before + 2,
                    "new UID after the expunge's MODSEQ: \(replaced)")
        let messages = try await store.messages(in: drafts.id)
        try require(messages.map(\.uid) == [2] && messages[0].flags.names == ["\\Draft"], "only the replacement is left: \(messages)")
        try require(try await store.readBody(messages[0].body) == Self.message("d2", size: 500), "the new body")
        try require(try await store.expungedUIDs(in: drafts.id, since: before) == [1], "VANISHED for QRESYNC")
        let usage = try await store.account(id: alice.id)?.usage
        let net = Int64(Self.message("i1", size: 400).count + Self.message("d2", size: 500).count)
        try require(usage?.messages == 2 && usage?.bytes == net, "usage is the net: \(String(describing: usage))")
        var changes: [MailboxChange] = []
        for await batch in feed {
            // A notice of d1's append, committed before the feed was asked for, may still arrive.
            if case .appended(_, let modSeq, _) = batch, modSeq <= before { continue }
            changes.append(batch)
            if changes.count == 2 { break }
        }
        try require(changes == [.appended(uid: 2, modSeq: before + 2, flags: MessageFlags(names: ["\\Draft"])),
                                .expunged(uids: [1], modSeq: before + 1)], "the feed announces both: \(changes)")

        // Into another mailbox; over the quota, or of a message that is not there, changes nothing.
        do {
            _ = try await store.replace(uid: 2, in: drafts.id, with: AppendRequest(bytes: Self.message("big", size: 700)), to: inbox.id)
            throw ConformanceFailure("a replacement over the byte quota succeeded")
        } catch MailStoreError.quotaExceeded {}
        do {
            _ = try await store.replace(uid: 1, in: drafts.id, with: AppendRequest(bytes: Self.message("x")), to: inbox.id)
            throw ConformanceFailure("replacing an expunged message succeeded")
        } catch MailStoreError.messageNotFound(1) {}
        let draftsAfter = try await store.messages(in: drafts.id).map(\.uid)
        let inboxAfter = try await store.messages(in: inbox.id).map(\.uid)
        try require(draftsAfter == [2] && inboxAfter == [1], "refusals leave both mailboxes as they were")
        let sent = try await store.replace(uid: 2, in: drafts.id, with: AppendRequest(bytes: Self.message("s1")), to: inbox.id)
        try require(sent.appended.mailboxID == inbox.id && sent.appended.uid == 2, "appended to the other mailbox: \(sent)")
        let draftsEnd = try await store.messages(in: drafts.id)
        let inboxEnd = try await store.messages(in: inbox.id).map(\.uid)
        try require(draftsEnd.isEmpty && inboxEnd == [1, 2], "replaced into the other mailbox")
        try await store.close()
    }
}
