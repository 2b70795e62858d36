import IMAPProtocol
import MailStore
import Testing
@testable import IMAPServer

/// RFC 5465 NOTIFY in the session machine alone: notifications are written only when nothing
/// else is being said (not while a command runs, not into a half-received command, not while the
/// client does not read), a STATUS still waiting is replaced by a newer one, and a client that
/// reads nothing meets `limits.imap_notify_queue` (§5.8 NOTIFICATIONOVERFLOW).
@Suite struct IMAPNotifyMachineTests {
    static let work = Mailbox(id: MailboxID(2), accountID: AccountID(7), name: "Work", specialUse: nil, uidValidity: 9,
                              uidNext: 1, highestModSeq: 1)

    static func status(messages: Int) -> MailboxStatus {
        MailboxStatus(mailbox: Mailbox(id: work.id, accountID: work.accountID, name: "Work", specialUse: nil, uidValidity: 9,
                                       uidNext: UInt32(messages + 1), highestModSeq: 1), messages: messages, unseen: messages, deleted: 0, bytes: 0)
    }

    static func notifying(maxQueued: Int = 1_000) -> IMAPMachine {
        var machine = IMAPMachine.loggedIn(notifyMaxQueued: maxQueued)
        _ = machine.say("n NOTIFY SET (mailboxes Work (MessageNew MessageExpunge))\r\n")
        let plan = NotifyPlan([IMAPNotifyEventGroup(filter: .mailboxes([IMAPMailboxName("Work")]), events: [.messageNew(nil), .messageExpunge])])
        let snapshot = NotifySnapshot(mailboxes: [work], subscriptions: [])
        let outcome = NotifySetOutcome(plan: plan, sendStatus: false, snapshot: snapshot, watched: [work.id: .messages], statuses: [status(messages: 0)])
        #expect(machine.finish(.notifySet(tag: "n", outcome)) == ["notify watch 1", "n OK NOTIFY completed"])
        return machine
    }

    @Test func writtenOnlyBetweenResponses() {
        var machine = Self.notifying()
        // Nothing running: at once.
        #expect(machine.event(.notified(.status(Self.work.id, Self.status(messages: 1)), outputWritable: true))
                == ["* STATUS Work (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 9 UNSEEN 1)"])
        // The client is not reading: it waits, and a newer STATUS replaces it.
        #expect(machine.event(.notified(.status(Self.work.id, Self.status(messages: 2)), outputWritable: false)).isEmpty)
        #expect(machine.event(.notified(.status(Self.work.id, Self.status(messages: 3)), outputWritable: false)).isEmpty)
        #expect(machine.event(.outputWritable) == ["* STATUS Work (MESSAGES 3 UIDNEXT 4 UIDVALIDITY 9 UNSEEN 3)"])
        // Half a command received: it waits for the command's reply.
        #expect(machine.say("a NO").isEmpty)
        #expect(machine.event(.notified(.status(Self.work.id, Self.status(messages: 4)), outputWritable: true)).isEmpty)
        #expect(machine.say("OP\r\n") == ["* STATUS Work (MESSAGES 4 UIDNEXT 5 UIDVALIDITY 9 UNSEEN 4)", "a OK NOOP completed"])
        // A command running (a step): after its untagged data, before its tagged reply.
        #expect(machine.say("s STATUS INBOX (MESSAGES)\r\n") == ["run status"])
        #expect(machine.event(.notified(.status(Self.work.id, Self.status(messages: 5)), outputWritable: true)).isEmpty)
        let done = IMAPCompletion(untagged: [.data(.status(IMAPMailboxName("INBOX"), [IMAPStatusValue(.messages, 0)]))], text: "STATUS completed")
        #expect(machine.finish(.done(tag: "s", done)) == ["* STATUS INBOX (MESSAGES 0)",
                                                          "* STATUS Work (MESSAGES 5 UIDNEXT 6 UIDVALIDITY 9 UNSEEN 5)", "s OK STATUS completed"])
        // Unchanged values are not told again.
        #expect(machine.event(.notified(.status(Self.work.id, Self.status(messages: 5)), outputWritable: true)).isEmpty)
    }

    /// §5.8: past the queue bound, one `* OK [NOTIFICATIONOVERFLOW]` and then as after NOTIFY NONE.
    @Test func aClientThatDoesNotReadOverflows() {
        var machine = Self.notifying(maxQueued: 10)
        let snapshot = NotifySnapshot(mailboxes: [Self.work], subscriptions: [])
        _ = machine.say("m NOTIFY SET (personal (MailboxName))\r\n")
        let plan = NotifyPlan([IMAPNotifyEventGroup(filter: .personal, events: [.mailboxName])])
        _ = machine.finish(.notifySet(tag: "m", NotifySetOutcome(plan: plan, sendStatus: false, snapshot: snapshot, watched: [:], statuses: [])))
        for n in 0..<11 {
            #expect(machine.event(.notified(.account(.created(name: "Box\(n)"), snapshot), outputWritable: false)).isEmpty)
        }
        #expect(machine.event(.outputWritable) == ["* OK [NOTIFICATIONOVERFLOW] notifications stopped"])
        #expect(machine.event(.notified(.account(.created(name: "Later"), snapshot), outputWritable: true)).isEmpty)
        #expect(machine.session.notify.plan == nil && machine.session.notify.watch == nil)
    }
}
