import Foundation
import MailCore
import MailStore
import SASL

/// The behaviour every `MailStore` implementation must show. Each backend's test target runs
/// every check against a fresh store (maddy's storage conformance suite is the model).
public struct MailStoreConformance: Sendable {
    public let makeStore: @Sendable () async throws -> any MailStore

    public init(makeStore: @escaping @Sendable () async throws -> any MailStore) { self.makeStore = makeStore }

    /// Every check, by name, so a test runner can report each on its own.
    public static let checks: [(String, @Sendable (MailStoreConformance) async throws -> Void)] = [
        ("domains", { try await $0.domains() }),
        ("accounts", { try await $0.accounts() }),
        ("aliasesAndRecipients", { try await $0.aliasesAndRecipients() }),
        ("recipientAccounts", { try await $0.recipientAccounts() }),
        ("appendAndRead", { try await $0.appendAndRead() }),
        ("batchReads", { try await $0.batchReads() }),
        ("flags", { try await $0.flags() }),
        ("recent", { try await $0.recent() }),
        ("copyClaimsRecent", { try await $0.copyClaimsRecent() }),
        ("expungeAndCopy", { try await $0.expungeAndCopy() }),
        ("move", { try await $0.move() }),
        ("replace", { try await $0.replace() }),
        ("metadata", { try await $0.metadata() }),
        ("urlAuthKeys", { try await $0.urlAuthKeys() }),
        ("quota", { try await $0.quota() }),
        ("mailboxes", { try await $0.mailboxes() }),
        ("changeFeed", { try await $0.changeFeed() }),
        ("mailboxListFeed", { try await $0.mailboxListFeed() }),
        ("expungeHistory", { try await $0.expungeHistory() }),
        ("concurrentAppends", { try await $0.concurrentAppends() }),
        ("concurrentMailboxWrites", { try await $0.concurrentMailboxWrites() }),
        ("deliverToMany", { try await $0.deliverToMany() }),
        ("queue", { try await $0.queue() }),
        ("dmarcEvaluations", { try await $0.dmarcEvaluations() }),
        ("dmarcReportLedger", { try await $0.dmarcReportLedger() }),
        ("tlsReportLedger", { try await $0.tlsReportLedger() }),
        ("reportRetention", { try await $0.reportRetention() }),
        ("mtaSTSPolicies", { try await $0.mtaSTSPolicies() }),
        ("queueActivity", { try await $0.queueActivity() }),
        ("correspondents", { try await $0.correspondents() }),
        ("quarantine", { try await $0.quarantine() }),
        ("greylist", { try await $0.greylist() }),
        ("sieveDuplicates", { try await $0.sieveDuplicates() }),
        ("openPGPCertificates", { try await $0.openPGPCertificates() }),
        ("openPGPSecretKeysAndAtRest", { try await $0.openPGPSecretKeysAndAtRest() }),
        ("smimeCertificates", { try await $0.smimeCertificates() }),
        ("autocryptPeers", { try await $0.autocryptPeers() }),
    ]

    static let alice = try! EmailAddress("alice@example.test")
    static let bob = try! EmailAddress("bob@example.test")
    static let domain = try! Domain("example.test")

    func storeWithAccounts(quota: Quota = .unlimited) async throws -> (any MailStore, Account, Account) {
        let store = try await makeStore()
        try await store.addDomain(Self.domain)
        let alice = try await store.addAccount(Self.alice, credentials: try Account.deriveCredentials(password: "alice-pw"), quota: quota)
        let bob = try await store.addAccount(Self.bob, credentials: try Account.deriveCredentials(password: "bob-pw"), quota: .unlimited)
        return (store, alice, bob)
    }

    func inbox(_ store: any MailStore, _ account: Account) async throws -> Mailbox {
        guard let inbox = try await store.mailbox(of: account.id, named: "inbox") else { throw ConformanceFailure("no INBOX") }
        return inbox
    }

    static func message(_ subject: String, size: Int = 0) -> [UInt8] {
        let padding = String(repeating: "x", count: max(0, size - 80))
        return Array("From: a@example.test\r\nSubject: \(subject)\r\n\r\nBody \(subject)\r\n\(padding)\r\n".utf8)
    }

    public func domains() async throws {
        let store = try await makeStore()
        try await store.addDomain(Self.domain)
        try await store.addDomain(try Domain("Other.Test"))
        try require(try await store.domains().map(\.name) == ["example.test", "other.test"], "domains listed in order")
        try await requireThrows(MailStoreError.domainExists("example.test")) { try await store.addDomain(Self.domain) }
        try await store.addAccount(Self.alice, credentials: [], quota: .unlimited)
        try await requireThrows(MailStoreError.domainInUse("example.test", accounts: 1, aliases: 0)) {
            try await store.removeDomain(Self.domain)
        }
        try await store.removeDomain(try Domain("other.test"))
        try require(try await !store.isLocalDomain(try Domain("other.test")), "removed domain is not local")
        try await requireThrows(MailStoreError.domainNotFound("nowhere.test")) { try await store.removeDomain(try Domain("nowhere.test")) }
        try await store.close()
    }

    public func accounts() async throws {
        let (store, alice, _) = try await storeWithAccounts()
        let names = try await store.mailboxes(of: alice.id).map(\.name)
        try require(names == ["INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash"], "default mailboxes, got \(names)")
        let uses = try await store.mailboxes(of: alice.id).compactMap(\.specialUse)
        try require(Set(uses) == [.sent, .drafts, .trash, .junk, .archive], "special-use flags, got \(uses)")
        try require(Set(try await store.subscriptions(of: alice.id)) == Set(names), "default mailboxes subscribed")
        let loaded = try await store.account(try EmailAddress("ALICE@Example.Test"))
        try require(loaded?.id == alice.id, "lookup is case-insensitive")
        try require(loaded?.verify(password: "alice-pw") == true, "password verifies")
        try require(loaded?.verify(password: "wrong") == false, "wrong password fails")
        try require(loaded?.credentials.map(\.hash) == [.sha256, .sha1], "both SCRAM keys stored")
        try require(loaded?.senderPolicy == .own, "new accounts may send only as themselves")
        try await store.setSenderPolicy(alice.address, policy: .domain)
        try require(try await store.account(alice.address)?.senderPolicy == .domain, "sender policy stored")
        try await requireThrows(MailStoreError.accountNotFound("nobody@example.test")) {
            try await store.setSenderPolicy(try EmailAddress("nobody@example.test"), policy: .any)
        }
        try require(loaded?.isAdmin == false, "new accounts are not dashboard admins")
        try await store.setAdmin(alice.address, admin: true)
        try require(try await store.account(alice.address)?.isAdmin == true, "admin flag stored")
        try require(try await store.accounts().first { $0.id == alice.id }?.isAdmin == true, "admin flag listed")
        try await store.setAdmin(alice.address, admin: false)
        try require(try await store.account(alice.address)?.isAdmin == false, "admin flag revoked")
        try await requireThrows(MailStoreError.accountNotFound("nobody@example.test")) {
            try await store.setAdmin(try EmailAddress("nobody@example.test"), admin: true)
        }
        try await requireThrows(MailStoreError.accountExists("alice@example.test")) {
            try await store.addAccount(Self.alice, credentials: [], quota: .unlimited)
        }
        try await requireThrows(MailStoreError.domainNotFound("nowhere.test")) {
            try await store.addAccount(try EmailAddress("x@nowhere.test"), credentials: [], quota: .unlimited)
        }
        try await store.setCredentials(Self.alice, credentials: try Account.deriveCredentials(password: "new-pw"))
        try require(try await store.account(Self.alice)?.verify(password: "new-pw") == true, "password changed")
        // CRAM-MD5 opt-in: stored with the SCRAM keys, removed by the next change without it.
        let cram = CRAMMD5Credentials.derive(password: "cram-pw")
        try await store.setCredentials(Self.alice, credentials: try Account.deriveCredentials(password: "cram-pw"), cramMD5: cram)
        let opted = try await store.account(Self.alice)
        try require(opted?.cramMD5 == cram && opted?.verify(password: "cram-pw") == true, "CRAM-MD5 record stored beside the SCRAM keys")
        try require(try await store.account(Self.bob)?.cramMD5 == nil, "other accounts unaffected")
        try await store.setCredentials(Self.alice, credentials: try Account.deriveCredentials(password: "new-pw"))
        try require(try await store.account(Self.alice)?.cramMD5 == nil, "a new password without the opt-in removes the CRAM-MD5 record")
        try await store.removeAccount(Self.alice)
        try require(try await store.account(Self.alice) == nil, "account removed")
        try require(try await store.accounts().map(\.address) == [Self.bob], "bob remains")
        try await requireThrows(MailStoreError.accountNotFound("alice@example.test")) { try await store.removeAccount(Self.alice) }
        try await store.close()
    }

    public func aliasesAndRecipients() async throws {
        let (store, withCredentials, bobWithCredentials) = try await storeWithAccounts()
        // Resolution reads accounts without their credentials (`recipientAccount(_:)`).
        let (alice, bob) = (withCredentials.withoutCredentials, bobWithCredentials.withoutCredentials)
        let remote = try EmailAddress("friend@elsewhere.test")
        try await store.addAlias(Alias(source: try AliasSource("team@example.test"), targets: [Self.alice, Self.bob]))
        try await store.addAlias(Alias(source: try AliasSource("fwd@example.test"), targets: [Self.alice, remote]))
        try await store.addAlias(Alias(source: try AliasSource("loop1@example.test"), targets: [try EmailAddress("loop2@example.test")]))
        try await store.addAlias(Alias(source: try AliasSource("loop2@example.test"), targets: [try EmailAddress("loop1@example.test")]))
        try require(try await store.resolveRecipient(try EmailAddress("Alice@example.test")) == .local([alice]), "account")
        try require(try await store.resolveRecipient(try EmailAddress("alice+lists@example.test")) == .local([alice]), "subaddress")
        try require(try await store.resolveRecipient(try EmailAddress("team@example.test")) == .local([alice, bob]), "alias fan-out")
        try require(try await store.resolveRecipient(try EmailAddress("fwd@example.test")) == .mixed(local: [alice], remote: [remote]), "forward")
        try require(try await store.resolveRecipient(try EmailAddress("nobody@example.test")) == .unknownUser, "unknown user")
        try require(try await store.resolveRecipient(try EmailAddress("loop1@example.test")) == .unknownUser, "alias loop ends")
        try require(try await store.resolveRecipient(remote) == .notLocal, "not local")
        try await store.addAlias(Alias(source: try AliasSource("@example.test"), targets: [Self.bob]))
        try require(try await store.resolveRecipient(try EmailAddress("nobody@example.test")) == .local([bob]), "catch-all")
        try require(try await store.resolveRecipient(Self.alice) == .local([alice]), "accounts win over catch-all")
        try await requireThrows(MailStoreError.aliasShadowsAccount("alice@example.test")) {
            try await store.addAlias(Alias(source: .address(Self.alice), targets: [Self.bob]))
        }
        try await requireThrows(MailStoreError.aliasExists("team@example.test")) {
            try await store.addAlias(Alias(source: try AliasSource("team@example.test"), targets: [Self.bob]))
        }
        try require(try await store.aliases().count == 5, "five aliases listed")
        try await store.removeAlias(try AliasSource("@example.test"))
        try await requireThrows(MailStoreError.aliasNotFound("@example.test")) { try await store.removeAlias(try AliasSource("@example.test")) }
        try await store.close()
    }

    public func appendAndRead() async throws {
        let (store, alice, _) = try await storeWithAccounts()
        let inbox = try await inbox(store, alice)
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let first = try await store.append(AppendRequest(bytes: Self.message("one"), flags: MessageFlags(system: .seen), internalDate: date), to: inbox.id)
        let second = try await store.append(AppendRequest(bytes: Self.message("two")), to: inbox.id)
        try require(first.uid == 1 && second.uid == 2, "UIDs 1 and 2, got \(first.uid) \(second.uid)")
        try require(second.modSeq > first.modSeq, "mod-sequence increases")
        try require(first.uidValidity == inbox.uidValidity, "APPENDUID carries UIDVALIDITY")
        let messages = try await store.messages(in: inbox.id)
        try require(messages.map(\.uid) == [1, 2], "messages in UID order")
        try require(messages[0].internalDate == date, "internal date kept")
        try require(messages[0].size == Int64(Self.message("one").count), "size in octets")
        try require(try await store.readBody(messages[0].body) == Self.message("one"), "body byte for byte")
        let status = try await store.status(inbox.id)
        try require(status.messages == 2 && status.unseen == 1 && status.mailbox.uidNext == 3, "status \(status)")
        try require(try await store.account(id: alice.id)?.usage.messages == 2, "usage counted")
        try await store.close()
    }

    public func flags() async throws {
        let (store, alice, _) = try await storeWithAccounts()
        let inbox = try await inbox(store, alice)
        let appended = try await store.append(AppendRequest(bytes: Self.message("f")), to: inbox.id)
        let (updated, _) = try await store.setFlags(
            in: inbox.id, uids: [1], change: .add(MessageFlags(names: ["\\Seen", "$Label1", "\\flagged"])), unchangedSince: nil)
        try require(updated.first?.flags.names == ["\\Seen", "\\Flagged", "$Label1"], "flags added: \(updated)")
        try require(updated[0].modSeq > appended.modSeq, "flag change bumps mod-sequence")
        let (_, failed) = try await store.setFlags(
            in: inbox.id, uids: [1], change: .remove(MessageFlags(system: .seen)), unchangedSince: appended.modSeq)
        try require(failed == [1], "UNCHANGEDSINCE refuses a modified message")
        let (removed, _) = try await store.setFlags(
            in: inbox.id, uids: [1], change: .remove(MessageFlags(names: ["\\Seen", "$label1"])), unchangedSince: nil)
        try require(removed.first?.flags.names == ["\\Flagged"], "keywords match case-insensitively: \(removed)")
        // A mailbox view's states (SELECT) are the messages' uid, mod-sequence and flags, in UID order.
        _ = try await store.append(AppendRequest(bytes: Self.message("g"), flags: MessageFlags(names: ["$a", "$b"])), to: inbox.id)
        _ = try await store.append(AppendRequest(bytes: Self.message("h")), to: inbox.id)
        let states = try await store.messageStates(in: inbox.id)
        let expected = try await store.messages(in: inbox.id).map(MessageState.init)
        try require(states == expected && states.map(\.uid) == [1, 2, 3] && states[1].flags.keywords == ["$a", "$b"],
                    "message states match the messages: \(states)")
        try await store.close()
    }

    public func expungeAndCopy() async throws {
        let (store, alice, _) = try await storeWithAccounts()
        let inbox = try await inbox(store, alice)
        guard let archive = try await store.mailbox(of: alice.id, named: "Archive") else { throw ConformanceFailure("no Archive") }
        for n in 1...3 { _ = try await store.append(AppendRequest(bytes: Self.message("m\(n)")), to: inbox.id) }
        let pairs = try await store.copy(uids: [2, 3], from: inbox.id, to: archive.id)
        try require(pairs.map(\.0) == [2, 3] && pairs.map(\.1) == [1, 2], "COPYUID pairs \(pairs)")
        _ = try await store.setFlags(in: inbox.id, uids: [2, 3], change: .add(MessageFlags(system: .deleted)), unchangedSince: nil)
        let removed = try await store.expunge(in: inbox.id, uids: nil)
        try require(removed == [2, 3], "expunged \\Deleted messages")
        let copied = try await store.messages(in: archive.id)
        try require(try await store.readBody(copied[0].body) == Self.message("m2"), "copy survives the original's expunge")
        let removedArchive = try await store.expunge(in: archive.id, uids: [1, 2])
        try require(removedArchive == [1, 2], "expunge by UID")
        do {
            _ = try await store.readBody(copied[0].body)
            throw ConformanceFailure("body of an unreferenced message still readable")
        } catch MailStoreError.bodyMissing {}
        let uid = try await store.append(AppendRequest(bytes: Self.message("m4")), to: inbox.id).uid
        try require(uid == 4, "UIDs are never reused after expunge")
        try await store.close()
    }

    /// RFC 6851 §3.3: moved or unaffected, never in both; within one account a move needs no
    /// quota headroom (copy-then-expunge refused this at a full quota).
    public func move() async throws {
        let (store, alice, _) = try await storeWithAccounts(quota: Quota(maxMessages: 3))
        let inbox = try await inbox(store, alice)
        guard let archive = try await store.mailbox(of: alice.id, named: "Archive") else { throw ConformanceFailure("no Archive") }
        for n in 1...3 { _ = try await store.append(AppendRequest(bytes: Self.message("m\(n)")), to: inbox.id) }
        let before = try await store.mailbox(id: inbox.id)!.highestModSeq
        let moved = try await store.move(uids: [2, 3, 9], from: inbox.id, to: archive.id)
        try require(moved.pairs.map(\.0) == [2, 3] && moved.pairs.map(\.1) == [1, 2], "COPYUID pairs \(moved.pairs)")
        try require(moved.sourceModSeq == before + 1, "one MODSEQ for the expunge: \(String(describing: moved.sourceModSeq))")
        try require(try await store.messages(in: inbox.id).map(\.uid) == [1], "the originals left INBOX")
        try require(try await store.expungedUIDs(in: inbox.id, since: before) == [2, 3], "VANISHED for QRESYNC")
        let archived = try await store.messages(in: archive.id)
        try require(try await store.readBody(archived[1].body) == Self.message("m3"), "the body moved with the message")
        try require(try await store.account(id: alice.id)?.usage.messages == 3, "usage unchanged by a move")
        let none = try await store.move(uids: [7], from: inbox.id, to: archive.id)
        try require(none.pairs.isEmpty && none.sourceModSeq == nil, "nothing to move changes nothing")
        try await store.close()
    }

    public func quota() async throws {
        let (store, alice, _) = try await storeWithAccounts(quota: Quota(maxBytes: 1000, maxMessages: 3))
        let inbox = try await inbox(store, alice)
        _ = try await store.append(AppendRequest(bytes: Self.message("a", size: 600)), to: inbox.id)
        try await requireQuotaError { _ = try await store.append(AppendRequest(bytes: Self.message("b", size: 600)), to: inbox.id) }
        _ = try await store.append(AppendRequest(bytes: Self.message("c", size: 100)), to: inbox.id)
        _ = try await store.append(AppendRequest(bytes: Self.message("d", size: 100)), to: inbox.id)
        try await requireQuotaError { _ = try await store.append(AppendRequest(bytes: Self.message("e", size: 100)), to: inbox.id) }
        try require(try await store.messages(in: inbox.id).count == 3, "refused appends leave nothing")
        // The narrow read (IMAP APPEND's pre-check) agrees with the whole account, before and after an expunge.
        let held = try await store.account(id: alice.id)
        try require(try await store.accountQuota(id: alice.id) == held.map { AccountQuota(quota: $0.quota, usage: $0.usage) },
                    "accountQuota is the account's quota and usage")
        try require(try await store.accountQuota(id: alice.id)?.usage.messages == 3, "three messages held")
        let first = try await store.message(in: inbox.id, uid: 1)?.size ?? 0
        _ = try await store.expunge(in: inbox.id, uids: [1])
        try require(try await store.accountQuota(id: alice.id)?.usage == QuotaUsage(bytes: (held?.usage.bytes ?? 0) - Int64(first), messages: 2),
                    "an expunge is counted off")
        try require(try await store.accountQuota(id: AccountID(999_999)) == nil, "no account, no quota")
        _ = try await store.append(AppendRequest(bytes: Self.message("f", size: 600)), to: inbox.id)
        try await store.close()
    }

    private func requireQuotaError(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch MailStoreError.quotaExceeded {
            return
        }
        throw ConformanceFailure("append over quota succeeded")
    }

    public func mailboxes() async throws {
        let (store, alice, _) = try await storeWithAccounts()
        let work = try await store.createMailbox(of: alice.id, named: "Work", specialUse: nil)
        _ = try await store.createMailbox(of: alice.id, named: "Work/2026", specialUse: nil)
        _ = try await store.append(AppendRequest(bytes: Self.message("w")), to: work.id)
        try await requireThrows(MailStoreError.mailboxExists("Work")) { _ = try await store.createMailbox(of: alice.id, named: "Work", specialUse: nil) }
        try await requireThrows(MailStoreError.invalidMailboxName("a//b", "empty hierarchy level")) {
            _ = try await store.createMailbox(of: alice.id, named: "a//b", specialUse: nil)
        }
        try await store.renameMailbox(work.id, to: "Projects")
        try require(try await store.mailbox(of: alice.id, named: "Projects/2026") != nil, "children renamed too")
        try require(try await store.mailbox(of: alice.id, named: "Projects")?.uidValidity == work.uidValidity, "rename keeps UIDVALIDITY")
        let inbox = try await inbox(store, alice)
        _ = try await store.append(AppendRequest(bytes: Self.message("i")), to: inbox.id)
        try await store.renameMailbox(inbox.id, to: "Old")
        try require(try await store.messages(in: inbox.id).isEmpty, "INBOX empty after rename")
        guard let old = try await store.mailbox(of: alice.id, named: "Old") else { throw ConformanceFailure("no Old") }
        try require(try await store.messages(in: old.id).count == 1, "INBOX messages moved")
        try await requireThrows(MailStoreError.cannotDeleteInbox) { try await store.deleteMailbox(inbox.id) }
        try await store.deleteMailbox(old.id)
        let recreated = try await store.createMailbox(of: alice.id, named: "Old", specialUse: nil)
        try require(recreated.uidValidity > old.uidValidity, "re-created mailbox has a new UIDVALIDITY")
        try await store.setSubscribed(true, account: alice.id, name: "Ghost")
        try require(try await store.subscriptions(of: alice.id).contains("Ghost"), "subscribing to a missing name is allowed")
        try await store.close()
    }

    public func changeFeed() async throws {
        let (store, alice, _) = try await storeWithAccounts()
        let inbox = try await inbox(store, alice)
        let stream = store.changes(in: inbox.id)
        _ = try await store.append(AppendRequest(bytes: Self.message("c")), to: inbox.id)
        _ = try await store.setFlags(in: inbox.id, uids: [1], change: .add(MessageFlags(system: .deleted)), unchangedSince: nil)
        _ = try await store.expunge(in: inbox.id, uids: nil)
        var iterator = stream.makeAsyncIterator()
        var events: [MailboxChange] = []
        for _ in 0..<3 { if let event = await iterator.next() { events.append(event) } }
        guard events.count == 3, case .appended(uid: 1, _, _) = events[0], case .flagsChanged(uid: 1, _, let flags) = events[1],
              flags.system.contains(.deleted), case .expunged(uids: [1], _) = events[2] else {
            throw ConformanceFailure("unexpected change feed: \(events)")
        }
        try await store.close()
    }

    /// QRESYNC (RFC 7162 §3.2.5.2) needs the UIDs expunged after a given mod-sequence.
    public func expungeHistory() async throws {
        let (store, alice, _) = try await storeWithAccounts()
        let inbox = try await inbox(store, alice)
        for n in 1...4 { _ = try await store.append(AppendRequest(bytes: Self.message("h\(n)")), to: inbox.id) }
        _ = try await store.expunge(in: inbox.id, uids: [2])
        guard let middle = try await store.mailbox(id: inbox.id)?.highestModSeq else { throw ConformanceFailure("no INBOX") }
        _ = try await store.expunge(in: inbox.id, uids: [4, 1])
        try require(try await store.expungedUIDs(in: inbox.id, since: 0) == [1, 2, 4], "every expunged UID since 0")
        try require(try await store.expungedUIDs(in: inbox.id, since: middle) == [1, 4], "only those after the mod-sequence")
        try require(try await store.expungedUIDs(in: inbox.id, since: middle + 1).isEmpty, "nothing after the last expunge")
        try await store.close()
    }

    public func concurrentAppends() async throws {
        let (store, alice, _) = try await storeWithAccounts()
        let inbox = try await inbox(store, alice)
        let count = 200
        let uids = try await withThrowingTaskGroup(of: UInt32.self) { group in
            for n in 0..<count {
                group.addTask { try await store.append(AppendRequest(bytes: Self.message("c\(n)")), to: inbox.id).uid }
            }
            group.addTask {
                // A reader during the writes sees a consistent prefix: no gaps in what it lists.
                let seen = try await store.messages(in: inbox.id)
                for message in seen { _ = try await store.readBody(message.body) }
                return 0
            }
            return try await group.reduce(into: []) { $0.append($1) }.filter { $0 != 0 }
        }
        try require(Set(uids) == Set(1...UInt32(count)), "every append got a distinct UID")
        let messages = try await store.messages(in: inbox.id)
        try require(messages.count == count, "all \(count) messages stored")
        let status = try await store.status(inbox.id)
        try require(status.mailbox.uidNext == UInt32(count + 1), "UIDNEXT")
        try await store.close()
    }

    public func deliverToMany() async throws {
        let (store, alice, bob) = try await storeWithAccounts(quota: Quota(maxMessages: 0))
        let results = try await store.deliver(
            AppendRequest(bytes: Self.message("many")), to: [try await inbox(store, alice).id, try await inbox(store, bob).id])
        guard case .failure(.quotaExceeded) = results[0], case .success(let ok) = results[1] else {
            throw ConformanceFailure("one full mailbox fails alone: \(results)")
        }
        try require(ok.uid == 1, "bob got the message")
        try await store.close()
    }

    public func queue() async throws {
        let store = try await makeStore()
        let remote1 = try EmailAddress("one@elsewhere.test"), remote2 = try EmailAddress("two@elsewhere.test")
        let bytes = Self.message("outbound")
        try await requireThrowsAny { _ = try await store.enqueue(OutboundMessage(bytes: bytes, mailFrom: Self.alice, recipients: [])) }
        let id = try await store.enqueue(OutboundMessage(
            bytes: bytes, mailFrom: Self.alice,
            recipients: [QueuedRecipient(address: remote1, dsn: DSNRequest(notify: .failure, originalRecipient: OriginalRecipient(addressType: "rfc822", address: "a+b=c@example.org"))), QueuedRecipient(address: remote2)],
            envelopeID: "env-1", returnContent: "HDRS", smtpUTF8: true, bodyType: "8BITMIME"))
        let bounce = try await store.enqueue(OutboundMessage(bytes: bytes, mailFrom: nil, recipients: [QueuedRecipient(address: Self.alice)]))
        let queued = try await store.queuedMessages()
        try require(queued.map(\.id) == [id, bounce], "both messages queued in order")
        let first = queued[0]
        try require(first.mailFrom == Self.alice && first.envelopeID == "env-1" && first.returnContent == "HDRS" && first.smtpUTF8
                    && first.bodyType == "8BITMIME" && first.size == Int64(bytes.count), "envelope kept: \(first)")
        try require(first.recipients.map(\.address) == [remote1, remote2] && first.recipients[0].dsn.notify == .failure
                    && first.recipients[0].dsn.originalRecipient?.address == "a+b=c@example.org", "recipients kept with their DSN request")
        try require(queued[1].mailFrom == nil, "null reverse-path kept as nil")
        try require(try await store.readBody(first.body) == bytes, "queued body byte for byte")

        let later = Date().addingTimeInterval(600)
        try await store.recordOutcome(.deferred(reply: "451 4.3.0 try later", nextAttempt: later), message: id, recipient: remote1)
        var updated = try await store.queuedMessage(id)
        try require(updated?.recipients[0].state == .deferred && updated?.recipients[0].attempts == 1
                    && updated?.recipients[0].lastReply == "451 4.3.0 try later", "deferral recorded: \(String(describing: updated))")
        try await store.retryNow(id)
        updated = try await store.queuedMessage(id)
        try require((updated?.recipients[0].nextAttempt ?? later) < later, "retry makes it due now")
        try await store.recordOutcome(.delivered(reply: "250 2.0.0 ok"), message: id, recipient: remote1)
        try require(try await store.queuedMessage(id) != nil, "still queued while a recipient is open")
        try await store.recordOutcome(.failed(reply: "550 5.1.1 no such user"), message: id, recipient: remote2)
        try require(try await store.queuedMessage(id) == nil, "leaves the queue once every recipient is final")
        try await requireThrowsAny { try await store.recordOutcome(.delivered(reply: "250"), message: id, recipient: remote1) }
        do {
            _ = try await store.readBody(first.body)
            throw ConformanceFailure("body of a finished queue message still present")
        } catch MailStoreError.bodyMissing {}
        try await store.deleteQueued(bounce)
        try require(try await store.queuedMessages().isEmpty, "queue empty after delete")
        try await requireThrowsAny { try await store.deleteQueued(bounce) }
        try await store.close()
    }

    /// The scheduler's wake-up: enqueue, retryNow and retryAllNow each signal subscribers.
    public func queueActivity() async throws {
        let store = try await makeStore()
        func signalled(_ action: () async throws -> Void) async throws -> Bool {
            let activity = store.queueActivity()
            try await action()
            return await withTaskGroup(of: Bool.self) { group in
                group.addTask { for await _ in activity { return true }; return false }
                group.addTask { try? await Task.sleep(for: .seconds(10)); return false }
                let first = await group.next() ?? false
                group.cancelAll()
                return first
            }
        }
        var id = QueueMessageID(0)
        try require(try await signalled {
            id = try await store.enqueue(OutboundMessage(bytes: Self.message("wake"), mailFrom: Self.alice,
                                                         recipients: [QueuedRecipient(address: try EmailAddress("x@elsewhere.test"))]))
        }, "enqueue signals queue activity")
        try require(try await signalled { try await store.retryNow(id) }, "retryNow signals queue activity")
        try require(try await signalled { try await store.retryAllNow() }, "retryAllNow signals queue activity")
        try await store.close()
    }

    private func requireThrowsAny(file: StaticString = #file, line: UInt = #line, _ body: () async throws -> Void) async throws {
        do { try await body() } catch { return }
        throw ConformanceFailure("expected an error", file: file, line: line)
    }
}
