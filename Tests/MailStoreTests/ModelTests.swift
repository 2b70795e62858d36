import Foundation
import MailStore
import Testing

@Suite struct MessageFlagsTests {
    @Test func parsesSystemFlagsAndKeywords() {
        let flags = MessageFlags(names: ["\\seen", "\\Draft", "$Forwarded", "$forwarded", "Work", "\\Recent"])
        #expect(flags.system == [.seen, .draft])
        #expect(flags.keywords == ["$Forwarded", "Work"])
        #expect(flags.names == ["\\Seen", "\\Draft", "$Forwarded", "Work"])
    }

    @Test func storeModes() {
        let start = MessageFlags(names: ["\\Seen", "A"])
        #expect(FlagChange.add(MessageFlags(names: ["\\Flagged", "b"])).apply(to: start).names == ["\\Seen", "\\Flagged", "A", "b"])
        #expect(FlagChange.remove(MessageFlags(names: ["\\Seen", "a"])).apply(to: start).names == [])
        #expect(FlagChange.replace(MessageFlags(names: ["\\Answered"])).apply(to: start).names == ["\\Answered"])
    }
}

@Suite struct MailboxNameTests {
    @Test func normalizesInbox() throws {
        #expect(try MailboxName.validate("inBox") == "INBOX")
        #expect(try MailboxName.validate("Inbox/Sub") == "Inbox/Sub")
    }

    @Test(arguments: ["", "/a", "a/", "a//b", "a\u{0}b", "a*", "b%", String(repeating: "x", count: 600)])
    func rejects(_ name: String) {
        #expect(throws: MailStoreError.self) { try MailboxName.validate(name) }
    }
}

@Suite struct ChangeFeedTests {
    @Test func deliversToEverySubscriberOfTheMailbox() async {
        let feed = ChangeFeed()
        let a = feed.subscribe(MailboxID(1))
        let b = feed.subscribe(MailboxID(1))
        let other = feed.subscribe(MailboxID(2))
        feed.publish([.expunged(uids: [3], modSeq: 9)], in: MailboxID(1))
        feed.finish(MailboxID(1))
        feed.finish(MailboxID(2))
        #expect(await Array(a) == [.expunged(uids: [3], modSeq: 9), .mailboxRemoved])
        #expect(await Array(b) == [.expunged(uids: [3], modSeq: 9), .mailboxRemoved])
        #expect(await Array(other) == [.mailboxRemoved])
    }

    @Test func droppedStreamsUnsubscribe() {
        let feed = ChangeFeed()
        do { _ = feed.subscribe(MailboxID(1)) }
        #expect(feed.subscriberCount == 0)
    }
}

extension AsyncStream {
    init() { self.init { $0.finish() } }
}

extension Array {
    init<S: AsyncSequence>(_ sequence: S) async where S.Element == Element {
        var result: [Element] = []
        do { for try await element in sequence { result.append(element) } } catch {}
        self = result
    }
}
