import Foundation
import IMAPProtocol
@testable import IMAPServer
import MailStore
import Synchronization
import Testing

/// FETCH of UID, FLAGS and MODSEQ answered from the session's view of the selected mailbox
/// (`FetchFromView.swift`) only while the view is current; otherwise the store is read.
@Suite struct IMAPFetchFromViewTests {
    typealias M = IMAPMachine

    /// INBOX selected with a feed probe: `published` is what the store's feed has published.
    static func selected(published counter: PublishedCounter) -> IMAPMachine {
        var machine = M.loggedIn()
        _ = machine.say("s1 SELECT INBOX\r\n")
        var outcome = M.selectOutcome(tag: "s1")
        outcome.feedProbe = FeedProbe(baseline: 10, published: { counter.value })
        _ = machine.finish(.selected(outcome))
        return machine
    }

    @Test func currentViewAnswersWithoutTheStore() {
        let published = PublishedCounter(10)
        var machine = Self.selected(published: published)
        // Encoded by the session into one buffer ("raw": the octets, CRLF shown as " | ").
        #expect(machine.say("f FETCH 1:* (UID FLAGS)\r\n") == [
            "raw * 1 FETCH (UID 1 FLAGS (\\Seen)) | * 2 FETCH (UID 2 FLAGS ()) | * 3 FETCH (UID 3 FLAGS ())", "f OK FETCH completed",
        ])
        // UID FETCH puts UID first; MODSEQ asked for enables CONDSTORE (RFC 7162 §3.1.4.1).
        #expect(machine.say("u UID FETCH 2:* (FLAGS MODSEQ)\r\n") == [
            "raw * 2 FETCH (UID 2 FLAGS () MODSEQ (5)) | * 3 FETCH (UID 3 FLAGS () MODSEQ (5))", "u OK UID FETCH completed",
        ])
        // Anything else the view does not keep goes to the store.
        #expect(machine.say("b FETCH 1 (FLAGS RFC822.SIZE)\r\n") == ["run fetchMessages"])
    }

    /// A change published but not yet heard (on its way through the feed listener), or heard and
    /// not yet told: the store is read, as before.
    @Test func changesOnTheirWaySendFetchToTheStore() {
        let published = PublishedCounter(10)
        var machine = Self.selected(published: published)
        published.value = 11
        #expect(machine.say("f FETCH 1:* FLAGS\r\n") == ["run fetchMessages"])
        _ = machine.finish(.fetchMessages(tag: "f", [M.message(1, seen: true)], vanished: []))
        _ = machine.finish(.fetchChunk(tag: "f", [(M.message(1, seen: true), .success([.flags(["\\Seen"])]))]))
        _ = machine.event(.outputWritable)

        let generation = machine.session.selectionGeneration
        _ = machine.event(.mailboxChanged(.flagsChanged(uid: 2, modSeq: 6, flags: MessageFlags(system: .flagged)),
                                          generation: generation, outputWritable: true))
        #expect(machine.say("g FETCH 2 FLAGS\r\n") == ["run fetchMessages"], "heard, not yet told: pending")
        _ = machine.finish(.fetchMessages(tag: "g", [], vanished: []))
        // Told now (at the end of that FETCH), and every published change heard: the view again.
        #expect(machine.say("h FETCH 2 FLAGS\r\n") == ["raw * 2 FETCH (FLAGS (\\Flagged))", "h OK FETCH completed"])
    }

    /// A store that cannot tell (no probe, as with PostgreSQL) is always read.
    @Test func noProbeMeansTheStore() {
        var machine = M.selected()
        #expect(machine.say("f FETCH 1:* (UID FLAGS)\r\n") == ["run fetchMessages"])
    }
}

/// What the store's feed has published, as the probe reads it.
final class PublishedCounter: Sendable {
    private let count: Mutex<UInt64>
    init(_ value: UInt64) { count = Mutex(value) }
    var value: UInt64 {
        get { count.withLock { $0 } }
        set { count.withLock { $0 = newValue } }
    }
}
