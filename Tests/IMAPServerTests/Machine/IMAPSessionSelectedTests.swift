import Foundation
import IMAPProtocol
@testable import IMAPServer
import MailStore
import NIOCore
import Testing

/// SELECT, IDLE, FETCH and the change feed through the IMAP state machine (RFC 9051 §6.3, §6.4,
/// §7.5.1), with no channel or socket.
@Suite struct IMAPSessionSelectedTests {
    typealias M = IMAPMachine

    /// RFC 9051 §6.3.2 (with the RFC 3501 rev1 additions): the mailbox's state, then the tagged
    /// OK; a second SELECT closes the first with [CLOSED] (RFC 7162 §3.2.11).
    @Test func selectThenSelectAgain() {
        var machine = M.loggedIn()
        #expect(machine.say("s1 SELECT INBOX\r\n") == ["run select"])
        #expect(!machine.session.readsCommands)
        #expect(machine.finish(.selected(M.selectOutcome(tag: "s1"))) == [
            "listen",
            "* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)",
            "* OK [PERMANENTFLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft \\*)] flags permitted",
            "* 3 EXISTS", "* 0 RECENT", "* OK [UNSEEN 2] first unseen",
            "* OK [UIDVALIDITY 42] UIDs valid", "* OK [UIDNEXT 4] predicted next UID", "* OK [HIGHESTMODSEQ 5] highest",
            "* OK [MAILBOXID (M42)] mailbox ID", "* OK [URLMECH INTERNAL] URL mechanisms", "s1 OK [READ-WRITE] SELECT completed",
        ])
        #expect(machine.session.state.selected?.count == 3)
        // RFC 7162 §3.2.11: [CLOSED] for the mailbox left, before the step's answer and with it.
        #expect(machine.say("s2 EXAMINE Other\r\n") == ["run select"])
        #expect(machine.session.state.selected == nil, "a failed SELECT leaves the session authenticated")
        #expect(machine.finish(.failed(tag: "s2", .noSuchMailbox(.nonExistent))) == [
            "* OK [CLOSED] previous mailbox closed", "s2 NO [NONEXISTENT] no such mailbox",
        ])
        #expect(machine.say("s3 FETCH 1 FLAGS\r\n") == ["s3 NO FETCH needs a selected mailbox; SELECT one first"])
        #expect(machine.say("s4 SELECT INBOX\r\n") == ["run select"], "nothing selected: no [CLOSED]")
        #expect(machine.finish(.selected(M.selectOutcome(tag: "s4"))).prefix(2) == ["listen", "* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)"])
        #expect(machine.say("s5 SELECT INBOX\r\n") == ["run select"])
        #expect(machine.finish(.selected(M.selectOutcome(tag: "s5"))).prefix(3) == [
            "listen", "* OK [CLOSED] previous mailbox closed", "* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)",
        ])
    }

    /// COPY and MOVE into the selected mailbox itself, with the change feed not yet heard: the
    /// copies are announced from the step's result, after the MOVE's own expunges; the feed's
    /// echo later announces nothing twice.
    @Test func copyAndMoveIntoTheSelectedMailboxBeforeTheFeed() {
        var machine = M.selected()
        let generation = machine.session.selectionGeneration
        let copyUID = IMAPResponseCode.copyUID(uidValidity: 42, source: UIDSet.make([1]), destination: UIDSet.make([4]))
        #expect(machine.say("m1 MOVE 1 INBOX\r\n") == ["run copy"])
        #expect(machine.finish(.expunged(tag: "m1", removed: [1], modSeq: 7, verb: "MOVE", copyUID: copyUID,
                                         ownCopies: [(uid: 4, modSeq: 7, flags: MessageFlags(system: .seen))])) == [
            "* OK [COPYUID 42 1 4] copied", "* 1 EXPUNGE", "* 3 EXISTS", "m1 OK MOVE completed",
        ])
        #expect(machine.say("c1 COPY 3 INBOX\r\n") == ["run copy"])
        let copied = IMAPCompletion(code: .copyUID(uidValidity: 42, source: UIDSet.make([4]), destination: UIDSet.make([5])),
                                    text: "COPY completed", ownCopies: [(uid: 5, modSeq: 8, flags: MessageFlags())])
        #expect(machine.finish(.done(tag: "c1", copied)) == ["* 4 EXISTS", "c1 OK [COPYUID 42 4 5] COPY completed"])
        for change in [MailboxChange.expunged(uids: [1], modSeq: 7), .appended(uid: 4, modSeq: 7, flags: MessageFlags(system: .seen)),
                       .appended(uid: 5, modSeq: 8, flags: MessageFlags())] {
            _ = machine.event(.mailboxChanged(change, generation: generation, outputWritable: true))
        }
        #expect(machine.say("n NOOP\r\n") == ["n OK NOOP completed"])
        #expect(machine.session.state.selected?.uids == [2, 3, 4, 5])
    }

    @Test func readOnlyAndRangeChecksComeBeforeAnyStoreWork() {
        var machine = M.selected(readOnly: true)
        #expect(machine.say("a STORE 1 +FLAGS (\\Seen)\r\n") == ["a NO [READ-ONLY] mailbox is read-only"])
        #expect(machine.say("b EXPUNGE\r\n") == ["b NO [READ-ONLY] mailbox is read-only"])
        #expect(machine.say("c MOVE 1 Trash\r\n") == ["c NO [READ-ONLY] mailbox is read-only"])
        #expect(machine.say("d COPY 7 Trash\r\n") == ["d BAD message sequence number out of range"])
        #expect(machine.say("e UID COPY 7 Trash\r\n") == ["e OK COPY completed (no messages)"])
        #expect(machine.say("f UID FETCH 1 FLAGS (VANISHED)\r\n") == ["f BAD VANISHED needs UID FETCH, CHANGEDSINCE and ENABLE QRESYNC"])
        #expect(machine.say("g CLOSE\r\n") == ["g OK CLOSE completed"], "EXAMINE: nothing is expunged")
    }

    /// RFC 2177: updates go out as the feed delivers them; DONE ends IDLE with the tagged OK,
    /// anything else with BAD.
    @Test func idleThenDone() {
        var machine = M.selected()
        let generation = machine.session.selectionGeneration
        #expect(machine.say("i1 IDLE\r\n") == ["+ idling"])
        let appended = MailboxChange.appended(uid: 4, modSeq: 6, flags: MessageFlags())
        #expect(machine.event(.mailboxChanged(appended, generation: generation, outputWritable: true)) == ["* 4 EXISTS"])
        let expunged = MailboxChange.expunged(uids: [1], modSeq: 7)
        #expect(machine.event(.mailboxChanged(expunged, generation: generation, outputWritable: false)).isEmpty,
                "output backed up: the update waits")
        #expect(machine.event(.outputWritable) == ["* 1 EXPUNGE"])
        #expect(machine.event(.mailboxChanged(appended, generation: generation - 1, outputWritable: true)).isEmpty,
                "a change of an earlier selection is dropped")
        #expect(machine.say("DONE\r\n") == ["i1 OK IDLE terminated"])
        #expect(machine.say("i2 IDLE\r\n") == ["+ idling"])
        #expect(machine.say("NOOP\r\n") == ["i2 BAD expected DONE to end IDLE"])
    }

    /// RFC 9051 §7.5.1: no EXPUNGE while answering FETCH, STORE or SEARCH; NOOP lets it out.
    @Test func expungesWaitForAnAllowedMoment() {
        var machine = M.selected()
        let generation = machine.session.selectionGeneration
        _ = machine.event(.mailboxChanged(.expunged(uids: [2], modSeq: 7), generation: generation, outputWritable: true))
        #expect(machine.say("f FETCH 1 FLAGS\r\n") == ["run fetchMessages"])
        #expect(machine.finish(.fetchMessages(tag: "f", [M.message(1, seen: true)], vanished: [])) == ["run fetchChunk"])
        let items: [IMAPFetchItem] = [.flags(["\\Seen"])]
        // The last chunk and the completion go out together (one write), the expunge held back.
        #expect(machine.finish(.fetchChunk(tag: "f", [(M.message(1, seen: true), .success(items))])) == [
            "* 1 FETCH (FLAGS (\\Seen))", "f OK FETCH completed",
        ])
        #expect(machine.say("n NOOP\r\n") == ["* 2 EXPUNGE", "n OK NOOP completed"])
    }

    /// A large message asked for whole goes alone, from disk, one piece per round the client
    /// has read; an unreadable piece ends the connection (the literal's length is on the wire).
    @Test func largeMessagesAreStreamedPieceByPiece() {
        var machine = M.selected()
        let size = Int64(IMAPSession.streamedPieceSize + 10)
        let large = M.message(2, size: size)
        #expect(machine.say("f UID FETCH 2,3 BODY.PEEK[]\r\n") == ["run fetchMessages"])
        #expect(machine.finish(.fetchMessages(tag: "f", [large, M.message(3)], vanished: [])) == ["run fetchStreamHead"])
        let head = machine.finish(.fetchStreamHead(tag: "f", large, [.uid(2), .bodySection(.whole, origin: nil, data: nil)]))
        #expect(head.first == "raw * 2 FETCH (UID 2 BODY[] {\(size)}")
        #expect(head.dropFirst() == ["when writable", "run fetchPiece"])
        let first = machine.finish(.fetchPiece(tag: "f", Array(repeating: 65, count: IMAPSession.streamedPieceSize)))
        #expect(first.count == 3 && first[0].hasPrefix("raw AAAA") && first[1...] == ["when writable", "run fetchPiece"])
        #expect(machine.finish(.fetchPiece(tag: "f", Array(repeating: 66, count: 10))) == [
            "raw BBBBBBBBBB", "when writable", "raw )", "when writable", "run fetchChunk",
        ])
        var broken = M.selected()
        _ = broken.say("g FETCH 2 RFC822\r\n")
        _ = broken.finish(.fetchMessages(tag: "g", [large], vanished: []))
        _ = broken.finish(.fetchStreamHead(tag: "g", large, [.rfc822(nil)]))
        #expect(broken.finish(.fetchPiece(tag: "g", nil)) == ["release slot \(M.alice.accountID)", "close"])
    }

    /// The mailbox was deleted by another session: BYE, between commands or after the reply.
    @Test func selectedMailboxDeletedElsewhere() {
        var machine = M.selected()
        let generation = machine.session.selectionGeneration
        #expect(machine.say("n NOOP\r\n") == ["n OK NOOP completed"])
        #expect(machine.event(.mailboxChanged(.mailboxRemoved, generation: generation, outputWritable: true)) == [
            "* BYE the selected mailbox was deleted", "release slot \(M.alice.accountID)", "close",
        ])
    }

    @Test func storeEchoesTheNewFlags() {
        var machine = M.selected()
        #expect(machine.say("s STORE 2 +FLAGS (\\Flagged)\r\n") == ["run store"])
        let updated = StoredMessage(mailboxID: M.inbox.id, uid: 2, modSeq: 9, flags: MessageFlags(system: .flagged), internalDate: Date(),
                                    size: 100, body: BodyReference(path: "body-2"), summary: nil)
        #expect(machine.finish(.stored(tag: "s", updated: [updated], failed: [], silent: false, uid: false)) == [
            "* 2 FETCH (FLAGS (\\Flagged))", "s OK STORE completed",
        ])
    }
}
