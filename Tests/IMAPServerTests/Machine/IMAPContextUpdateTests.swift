import Foundation
import IMAPProtocol
@testable import IMAPServer
import MailStore
import Testing

/// CONTEXT=SEARCH and CONTEXT=SORT through the state machine (RFC 5267 §4): live results kept
/// by RETURN (UPDATE), ADDTO and REMOVEFROM as the mailbox changes (in IDLE, at NOOP, after the
/// session's own STORE and EXPUNGE), CANCELUPDATE, NOUPDATE at the limit, tag reuse, PARTIAL.
/// INBOX holds UIDs 1-3, 1 seen.
@Suite struct IMAPContextUpdateTests {
    typealias M = IMAPMachine

    /// Runs a SEARCH; `matches` are the UIDs the store found (numbers equal UIDs in the fixture).
    static func search(_ machine: inout M, _ line: String, tag: String, matches: [UInt32], uid: Bool = true) -> [String] {
        #expect(machine.say(line + "\r\n") == ["run search"])
        guard case .search(let step)? = machine.lastStep else { Issue.record("no search step"); return [] }
        let matched = matches.map { (uid: $0, number: machine.session.state.selected!.sequenceNumber(of: $0)!, modSeq: UInt64(5)) }
        return machine.finish(.searched(tag: tag, step.command, matched, uid: uid, usesModSeq: false))
    }

    /// The live-context check the machine asked for: which UIDs it looks at.
    static func checked(_ machine: M) -> [UInt32] {
        guard case .contextCheck(let step)? = machine.lastStep else { return [] }
        return step.messages.map(\.uid)
    }

    @Test func updatesInIdleFromTheChangeFeed() {
        var machine = M.selected()
        let generation = machine.session.selectionGeneration
        // RFC 5267 §4.3 example B01, on our mailbox: the COUNT now, updates later.
        #expect(Self.search(&machine, "B01 UID SEARCH RETURN (UPDATE COUNT) UNSEEN", tag: "B01", matches: [2, 3])
                == ["* ESEARCH (TAG \"B01\") UID COUNT 2", "B01 OK UID SEARCH completed"])
        #expect(machine.say("i IDLE\r\n") == ["+ idling"])
        // A new message: EXISTS first, then the check, then ADDTO (§4.3.3: after the EXISTS).
        #expect(machine.event(.mailboxChanged(.appended(uid: 4, modSeq: 6, flags: MessageFlags()), generation: generation,
                                              outputWritable: true)) == ["* 4 EXISTS", "run contextCheck"])
        #expect(Self.checked(machine) == [4])
        #expect(machine.finish(.contextChecked([ContextVerdict(tag: "B01", checked: [4], matching: [4: SortableMessage?.none])], reply: nil))
                == ["* ESEARCH (TAG \"B01\") UID ADDTO (0 4)"])
        // Another session marks 2 seen: FETCH, then REMOVEFROM.
        #expect(machine.event(.mailboxChanged(.flagsChanged(uid: 2, modSeq: 7, flags: MessageFlags(system: .seen)),
                                              generation: generation, outputWritable: true))
                == ["* 2 FETCH (FLAGS (\\Seen))", "run contextCheck"])
        #expect(machine.finish(.contextChecked([ContextVerdict(tag: "B01", checked: [2], matching: [:])], reply: nil))
                == ["* ESEARCH (TAG \"B01\") UID REMOVEFROM (0 2)"])
        // An expunge of a result: REMOVEFROM before the EXPUNGE (§4.3.4), no store check.
        #expect(machine.event(.mailboxChanged(.expunged(uids: [3], modSeq: 8), generation: generation, outputWritable: true))
                == ["* ESEARCH (TAG \"B01\") UID REMOVEFROM (0 3)", "* 3 EXPUNGE"])
        // An expunge of a message outside the results says nothing more.
        #expect(machine.event(.mailboxChanged(.expunged(uids: [1], modSeq: 9), generation: generation, outputWritable: true))
                == ["* 1 EXPUNGE"])
        #expect(machine.say("DONE\r\n") == ["i OK IDLE terminated"])
        #expect(machine.session.state.selected?.updateContexts.first?.results == [4])
    }

    /// Message-number results: the numbers are those valid when each response is sent, and the
    /// tagged NOOP waits for the check (§4.3.2: with the EXISTS/FETCH that caused it).
    @Test func messageNumbersAtNoopAndOwnStoreAndExpunge() {
        var machine = M.selected()
        let generation = machine.session.selectionGeneration
        #expect(Self.search(&machine, "u SEARCH RETURN (UPDATE) UNSEEN", tag: "u", matches: [2, 3], uid: false)
                == ["* ESEARCH (TAG \"u\")", "u OK SEARCH completed"])
        _ = machine.event(.mailboxChanged(.appended(uid: 4, modSeq: 6, flags: MessageFlags()), generation: generation, outputWritable: true))
        #expect(machine.say("n NOOP\r\n") == ["* 4 EXISTS", "run contextCheck"])
        // The tagged OK rides in the step and follows the ADDTO.
        guard case .contextCheck(let step)? = machine.lastStep else { Issue.record("no check"); return }
        #expect(step.reply == .status(tag: "n", .ok, text: "NOOP completed"))
        #expect(machine.finish(.contextChecked([ContextVerdict(tag: "u", checked: [4], matching: [4: SortableMessage?.none])],
                                               reply: step.reply))
                == ["* ESEARCH (TAG \"u\") ADDTO (0 4)", "n OK NOOP completed"])
        // This session's own STORE: the check runs before the tagged OK.
        #expect(machine.say("s STORE 3 +FLAGS (\\Seen)\r\n") == ["run store"])
        let seen = StoredMessage(mailboxID: M.inbox.id, uid: 3, modSeq: 9, flags: MessageFlags(system: .seen), internalDate: Date(),
                                 size: 100, body: BodyReference(path: "body-3"), summary: nil)
        #expect(machine.finish(.stored(tag: "s", updated: [seen], failed: [], silent: false, uid: false))
                == ["* 3 FETCH (FLAGS (\\Seen))", "run contextCheck"])
        #expect(Self.checked(machine) == [3])
        #expect(machine.finish(.contextChecked([ContextVerdict(tag: "u", checked: [3], matching: [:])],
                                             reply: .status(tag: "s", .ok, text: "STORE completed")))
                == ["* ESEARCH (TAG \"u\") REMOVEFROM (0 3)", "s OK STORE completed"])
        // Its own EXPUNGE of message 2 (a result): REMOVEFROM 2, then EXPUNGE 2; 4 is now number 3.
        #expect(machine.say("e EXPUNGE\r\n") == ["run expunge"])
        #expect(machine.finish(.expunged(tag: "e", removed: [2], modSeq: 10, verb: "EXPUNGE", copyUID: nil))
                == ["* ESEARCH (TAG \"u\") REMOVEFROM (0 2)", "* 2 EXPUNGE", "e OK EXPUNGE completed"])
        #expect(machine.session.state.selected?.updateContexts.first?.results == [4])
    }

    @Test func tagReuseCancelAndTheLimit() {
        var machine = M.selected()
        _ = Self.search(&machine, "B01 UID SEARCH RETURN (UPDATE COUNT) DELETED", tag: "B01", matches: [])
        // §4.3: "Note that the following is rejected, and has no effect".
        #expect(machine.say("B01 SORT RETURN (UPDATE) (DATE) UTF-8 FLAGGED\r\n") == ["B01 BAD Tag reuse: a search with this tag is still updated"])
        // Without UPDATE the tag may be reused (it names no new context).
        #expect(machine.say("B01 SEARCH RETURN (COUNT) ALL\r\n") == ["run search"])
        _ = machine.finish(.searched(tag: "B01", IMAPSearchCommand(returnOptions: [.count], keys: [.all]), [], uid: false, usesModSeq: false))
        #expect(machine.say("c CANCELUPDATE \"B02\"\r\n") == ["c BAD no search with tag B02 is updated"])
        #expect(machine.say("c CANCELUPDATE \"B01\"\r\n") == ["c OK CANCELUPDATE completed"])
        #expect(machine.session.state.selected?.updateContexts.isEmpty == true)
        // No context: a new message asks for no check.
        _ = machine.event(.mailboxChanged(.appended(uid: 4, modSeq: 6, flags: MessageFlags()),
                                          generation: machine.session.selectionGeneration, outputWritable: true))
        #expect(machine.say("n NOOP\r\n") == ["* 4 EXISTS", "n OK NOOP completed"])

        // §4.3.1 with a limit of one: the second gets NOUPDATE and its COUNT all the same.
        var limited = IMAPMachine.loggedIn(maxUpdateContexts: 1)
        #expect(limited.say("s SELECT INBOX\r\n") == ["run select"])
        _ = limited.finish(.selected(M.selectOutcome(tag: "s")))
        _ = Self.search(&limited, "B01 UID SEARCH RETURN (UPDATE) ALL", tag: "B01", matches: [1, 2, 3])
        #expect(Self.search(&limited, "B02 UID SEARCH RETURN (UPDATE COUNT) KEYWORD $Junk", tag: "B02", matches: [])
                == ["* ESEARCH (TAG \"B02\") UID COUNT 0", "* NO [NOUPDATE \"B02\"] Too many contexts", "B02 OK UID SEARCH completed"])
        // Leaving the mailbox ends the updates (§4.3): a new selection starts with none.
        #expect(limited.say("x UNSELECT\r\n") == ["x OK UNSELECT completed"])
        #expect(limited.say("s SELECT INBOX\r\n") == ["run select"])
        _ = limited.finish(.selected(M.selectOutcome(tag: "s")))
        #expect(limited.session.state.selected?.updateContexts.isEmpty == true)
    }

    /// §4.4: PARTIAL gives the results at those positions, NIL past the end, with UID SEARCH.
    @Test func partialResults() {
        var machine = M.selected()
        #expect(Self.search(&machine, "A02 UID SEARCH RETURN (PARTIAL 2:500) ALL", tag: "A02", matches: [1, 2, 3])
                == ["* ESEARCH (TAG \"A02\") UID PARTIAL (2:500 2:3)", "A02 OK UID SEARCH completed"])
        #expect(Self.search(&machine, "A04 UID SEARCH RETURN (PARTIAL 4:9 COUNT) ALL", tag: "A04", matches: [1, 2, 3])
                == ["* ESEARCH (TAG \"A04\") UID COUNT 3 PARTIAL (4:9 NIL)", "A04 OK UID SEARCH completed"])
        #expect(IMAPSession.partial([9, 3, 4, 5], 2...3, ordered: true) == .ranges([IMAPSequenceRange(.number(3), .number(4))]))
        #expect(IMAPSession.partial([9, 3, 7], 1...2, ordered: true) == .ranges([IMAPSequenceRange(9), IMAPSequenceRange(3)]))
    }

    /// A live SORT by SIZE: new matches go in at their sorted position, removals name theirs.
    @Test func sortContextKeepsTheSortOrder() {
        var machine = M.selected()
        let generation = machine.session.selectionGeneration
        func sortable(_ uid: UInt32, _ size: Int64) -> SortableMessage {
            SortableMessage(message: M.message(uid, size: size), number: uid, summary: nil, maxReferences: 10)
        }
        #expect(machine.say("S1 UID SORT RETURN (UPDATE ALL) (SIZE) UTF-8 ALL\r\n") == ["run sort"])
        guard case .sort(let step)? = machine.lastStep, case .sort(let command) = step.order else { Issue.record("no sort"); return }
        let sorted = [sortable(2, 10), sortable(3, 20), sortable(1, 30)]
        #expect(machine.finish(.sorted(tag: "S1", .sorted(command, sorted.map { ($0.uid, $0.number, $0.modSeq) }, sortable: sorted),
                                       uid: true, usesModSeq: false))
                == ["* ESEARCH (TAG \"S1\") UID ALL 2:3,1", "S1 OK UID SORT completed"])
        #expect(machine.say("i IDLE\r\n") == ["+ idling"])
        _ = machine.event(.mailboxChanged(.appended(uid: 4, modSeq: 6, flags: MessageFlags()), generation: generation, outputWritable: true))
        #expect(machine.finish(.contextChecked([ContextVerdict(tag: "S1", checked: [4], matching: [4: sortable(4, 25)])], reply: nil))
                == ["* ESEARCH (TAG \"S1\") UID ADDTO (3 4)"])
        #expect(machine.session.state.selected?.updateContexts.first?.results == [2, 3, 4, 1])
        #expect(machine.event(.mailboxChanged(.expunged(uids: [3, 1], modSeq: 8), generation: generation, outputWritable: true))
                == ["* ESEARCH (TAG \"S1\") UID REMOVEFROM (4 1 2 3)", "* 3 EXPUNGE", "* 1 EXPUNGE"])
        #expect(machine.session.state.selected?.updateContexts.first?.results == [2, 4])
    }

    @Test func capabilitiesAfterLogin() {
        let machine = M.loggedIn()
        #expect(machine.session.capabilities.contains("CONTEXT=SEARCH") && machine.session.capabilities.contains("CONTEXT=SORT"))
    }
}
