import Foundation
import IMAPProtocol
@testable import IMAPServer
import MailStore
import Testing

/// The selected-mailbox view alone: numbering, and which updates go out when (RFC 9051 §7.5.1).
@Suite struct SelectedMailboxTests {
    func view(_ uids: [UInt32]) -> SelectedMailbox {
        let mailbox = Mailbox(id: MailboxID(1), accountID: AccountID(1), name: "INBOX", specialUse: nil, uidValidity: 7,
                              uidNext: (uids.last ?? 0) + 1, highestModSeq: 10)
        let messages = uids.map {
            StoredMessage(mailboxID: mailbox.id, uid: $0, modSeq: 5, flags: MessageFlags(), internalDate: Date(), size: 10,
                          body: BodyReference(path: "x"), summary: nil)
        }
        return SelectedMailbox(mailbox: mailbox, readOnly: false, messages: messages)
    }

    @Test func sequenceSetsResolveToUIDs() {
        let v = view([3, 5, 9, 20])
        #expect(v.resolve(IMAPSequenceSet([IMAPSequenceRange(.number(2), .last)]), uid: false) == [5, 9, 20])
        #expect(v.resolve(IMAPSequenceSet([IMAPSequenceRange(.number(4), .number(10))]), uid: true) == [5, 9])
        // RFC 9051 §6.4.8: UID 100:* includes the largest UID even though 100 is above it.
        #expect(v.resolve(IMAPSequenceSet([IMAPSequenceRange(.number(100), .last)]), uid: true) == [20])
        #expect(v.outOfRange(IMAPSequenceSet([IMAPSequenceRange(5)])))
        #expect(!v.outOfRange(IMAPSequenceSet([IMAPSequenceRange(.number(1), .last)])))
        #expect(v.resolve(.lastCommand, uid: true).isEmpty, "$ without SAVE is empty")
    }

    @Test func expungesWaitWhileFetchStoreOrSearchRuns() {
        let v = view([1, 2, 3])
        v.receive(.flagsChanged(uid: 2, modSeq: 11, flags: MessageFlags(system: .seen)))
        v.receive(.expunged(uids: [1], modSeq: 12))
        v.receive(.appended(uid: 4, modSeq: 13, flags: MessageFlags()))
        let during = v.flush(allowExpunge: false, qresync: false, modSeqs: false)
        #expect(during == [.data(.fetch(2, [.flags(["\\Seen"])])), .data(.exists(4))], "no EXPUNGE, numbering unchanged")
        #expect(v.uid(at: 1) == 1)
        let after = v.flush(allowExpunge: true, qresync: false, modSeqs: false)
        #expect(after == [.data(.expunge(1))])
        #expect(v.uids == [2, 3, 4])
    }

    @Test func ownChangesAreNotEchoedAndQresyncSendsVanished() {
        let v = view([1, 2, 3])
        let mine = StoredMessage(mailboxID: MailboxID(1), uid: 3, modSeq: 11, flags: MessageFlags(system: .flagged),
                                 internalDate: Date(), size: 10, body: BodyReference(path: "x"), summary: nil)
        v.noteFlags(mine)
        v.receive(.flagsChanged(uid: 3, modSeq: 11, flags: mine.flags))
        v.receive(.expunged(uids: [1, 2], modSeq: 12))
        #expect(v.flush(allowExpunge: true, qresync: true, modSeqs: true) == [.data(.vanished(earlier: false, IMAPSequenceSet([IMAPSequenceRange(.number(1), .number(2))])))])
        #expect(v.uids == [3])
        #expect(v.highestModSeq == 12)
    }

    /// RFC 3501 §7.2.6: a keyword new to the client is announced (FLAGS, PERMANENTFLAGS) before
    /// the EXISTS or FETCH that brings it, once, whatever its case.
    @Test func newKeywordsAreAnnouncedFirst() {
        let v = view([1, 2])
        let flags = ["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"]
        v.receive(.flagsChanged(uid: 1, modSeq: 11, flags: MessageFlags(names: ["$Label1"])))
        v.receive(.flagsChanged(uid: 2, modSeq: 12, flags: MessageFlags(names: ["$label1"])))
        v.receive(.appended(uid: 3, modSeq: 13, flags: MessageFlags(names: ["\\Seen", "Work"])))
        #expect(v.flush(allowExpunge: true, qresync: false, modSeqs: false) == [
            .data(.flags(flags + ["$Label1"])),
            .status(tag: nil, .ok, code: .permanentFlags(flags + ["$Label1", "\\*"]), text: "flags permitted"),
            .data(.fetch(1, [.flags(["$Label1"])])),
            .data(.fetch(2, [.flags(["$label1"])])),
            .data(.flags(flags + ["$Label1", "Work"])),
            .status(tag: nil, .ok, code: .permanentFlags(flags + ["$Label1", "Work", "\\*"]), text: "flags permitted"),
            .data(.exists(3)),
        ])
        #expect(v.announce(MessageFlags(names: ["work"])).isEmpty)
    }

    @Test func listPatterns() {
        #expect(MailboxPattern(reference: "", pattern: "*").matches("a/b/c"))
        #expect(!MailboxPattern(reference: "", pattern: "%").matches("a/b"))
        #expect(MailboxPattern(reference: "a/", pattern: "%").matches("a/b"))
        #expect(MailboxPattern(reference: "", pattern: "inbox").matches("INBOX"))
        #expect(MailboxPattern(reference: "", pattern: "日本*").matches("日本語/受信箱"))
        #expect(!MailboxPattern(reference: "", pattern: "Work").matches("Work/2026"))
    }
}

extension SelectedMailboxTests {
    /// REPLACE (RFC 8508) in one session: its new message is announced from `noteOwnAppends`
    /// before the feed delivers it, and a later REPLACE expunges it again. The feed's late echo
    /// of the append must not bring the expunged message back: the client would hear EXISTS and
    /// a second EXPUNGE for a message it was already told is gone (RFC 9051 §7.5.1).
    @Test func lateFeedEchoOfAnExpungedOwnAppendIsDropped() {
        let v = view([1])
        v.noteOwnAppends([(uid: 2, modSeq: 11, flags: MessageFlags())])
        #expect(v.flush(allowExpunge: true, qresync: false, modSeqs: false) == [.data(.exists(2))])
        #expect(v.removeForExpunge([1]) == [1])
        #expect(v.removeForExpunge([2]) == [1])
        v.receive(.appended(uid: 2, modSeq: 11, flags: MessageFlags()))
        v.receive(.expunged(uids: [1], modSeq: 12))
        v.receive(.expunged(uids: [2], modSeq: 13))
        #expect(v.flush(allowExpunge: true, qresync: false, modSeqs: false) == [])
        #expect(v.count == 0)
        v.receive(.appended(uid: 3, modSeq: 14, flags: MessageFlags()))
        #expect(v.flush(allowExpunge: true, qresync: false, modSeqs: false) == [.data(.exists(1))], "a newer message still arrives")
    }
}
