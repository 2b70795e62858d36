import IMAPProtocol
import Testing

/// RFC 5465 §8 NOTIFY grammar with the RFC's own commands (§3.1, §6), and the §5/§6.1 rules the
/// server answers with BAD (`IMAPNotifyCommand.violation`).
@Suite struct NotifyGrammarTests {
    static func parse(_ line: String) throws -> IMAPCommand { try IMAPCommandParser().parse(IMAPCommandBytes(line)).command }

    @Test func rfcExamplesParse() throws {
        // §6, first example: two groups apply to INBOX.
        #expect(try Self.parse("a notify set (mailboxes INBOX (Messagenew messageExpunge)) (personal (SubscriptionChange))")
                == .notify(.set(status: false, [
                    IMAPNotifyEventGroup(filter: .mailboxes([IMAPMailboxName("INBOX")]), events: [.messageNew(nil), .messageExpunge]),
                    IMAPNotifyEventGroup(filter: .personal, events: [.subscriptionChange])])))
        // §6, second example: a fetch-att list for SELECTED.
        #expect(try Self.parse("a notify set (selected (Messagenew (uid flags) messageExpunge)) (personal (MessageNew FlagChange MessageExpunge))")
                == .notify(.set(status: false, [
                    IMAPNotifyEventGroup(filter: .selected, events: [.messageNew([.uid, .flags]), .messageExpunge]),
                    IMAPNotifyEventGroup(filter: .personal, events: [.messageNew(nil), .flagChange, .messageExpunge])])))
        // §3.1: STATUS, events written without their parentheses, a subtree, BODY.PEEK[HEADER.FIELDS].
        guard case .notify(.set(true, let groups)) = try Self.parse(
            "b notify set status (selected MessageNew (uid body.peek[header.fields (from to subject)]) MessageExpunge) (subtree Lists MessageNew)") else {
            Issue.record("not NOTIFY SET STATUS")
            return
        }
        #expect(groups.count == 2)
        #expect(groups[0].filter == .selected)
        if case .messageNew(let attributes?) = groups[0].events.first {
            #expect(attributes.first == .uid && attributes.count == 2)
        } else {
            Issue.record("no fetch-att list: \(groups[0].events)")
        }
        #expect(groups[1] == IMAPNotifyEventGroup(filter: .subtree([IMAPMailboxName("Lists")]), events: [.messageNew(nil)]))
        // §3.1's last example.
        _ = try Self.parse("e notify set (selected MessageNew (uid) MessageExpunge) (subtree Lists (MessageNew MessageExpunge)) (mailboxes misc (MessageNew MessageExpunge))")
        #expect(try Self.parse("a NOTIFY NONE") == .notify(.none))
        #expect(try Self.parse("a NOTIFY SET (subtree (A \"B C\") NONE) (inboxes (X-Later))")
                == .notify(.set(status: false, [IMAPNotifyEventGroup(filter: .subtree([IMAPMailboxName("A"), IMAPMailboxName("B C")]), events: []),
                                                 IMAPNotifyEventGroup(filter: .inboxes, events: [.other("X-Later")])])))
    }

    @Test(arguments: ["a NOTIFY", "a NOTIFY SET", "a NOTIFY SET STATUS", "a NOTIFY SET ()", "a NOTIFY SET (personal)",
                      "a NOTIFY SET (personal ())", "a NOTIFY SET (subtree (MessageNew MessageExpunge))", "a NOTIFY ALL",
                      "a NOTIFY SET (selected (MessageNew ()) MessageExpunge)", "a NOTIFY SET (personal (MessageNew MessageExpunge)",
                      "a NOTIFY SET (personal (MessageNew MessageExpunge))x", "a NOTIFY NONE (personal NONE)"])
    func malformedIsRefused(_ line: String) {
        #expect(throws: IMAPCommandError.self) { try Self.parse(line) }
    }

    @Test func rulesOfSection5And6() throws {
        func violation(_ line: String) throws -> String? {
            guard case .notify(let notify) = try Self.parse(line) else { return "not NOTIFY" }
            return notify.violation
        }
        #expect(try violation("a NOTIFY SET (subtree Lists MessageNew)") == "MessageNew and MessageExpunge go together")
        #expect(try violation("a NOTIFY SET (personal (MessageExpunge))") == "MessageNew and MessageExpunge go together")
        #expect(try violation("a NOTIFY SET (personal (FlagChange MailboxName))") != nil)
        #expect(try violation("a NOTIFY SET (selected (MessageNew MessageExpunge)) (selected NONE)") != nil)
        #expect(try violation("a NOTIFY SET (selected-delayed (SubscriptionChange))") == "only message events for SELECTED")
        #expect(try violation("a NOTIFY SET (personal (MessageNew (UID) MessageExpunge))") == "fetch attributes only for SELECTED")
        #expect(try violation("a NOTIFY SET (selected (MessageNew MessageExpunge FlagChange)) (personal (MailboxName))") == nil)
    }
}
