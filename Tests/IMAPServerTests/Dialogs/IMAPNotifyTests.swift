import HatoTesting
import MailStore
import Testing

/// RFC 5465 NOTIFY as dialogs: the command's rules (§5, §6.1, §8), the STATUS option (§3.1),
/// notifications arriving with no command in progress for other mailboxes (§5.1-§5.3), the
/// selected one (§5.2 with MessageNew's fetch-att list) and the account (§5.4-§5.7).
@Suite struct IMAPNotifyTests {
    static let events = "(MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange MailboxMetadataChange ServerMetadataChange)"

    @Test func theCommandsRulesAreChecked() async throws {
        let fixture = try await IMAPFixture.make()
        let (a, greeting) = try await ChannelDialog.imap(fixture)
        #expect(!greeting.contains("NOTIFY"), "offered only after login")
        #expect(try await a.command("n0", "NOTIFY NONE").last == "n0 NO NOTIFY needs an authenticated session; log in first")
        let login = try await a.login()
        #expect(login.contains(" NOTIFY "), "\(login)")
        // §5: MessageNew and MessageExpunge together; FlagChange only with both.
        #expect(try await a.command("b1", "NOTIFY SET (selected (MessageNew))").last == "b1 BAD MessageNew and MessageExpunge go together")
        #expect(try await a.command("b2", "NOTIFY SET (personal (FlagChange))").last
                == "b2 BAD FlagChange and AnnotationChange need MessageNew and MessageExpunge")
        // §6.1: one selected filter, message events only; §8: fetch-att only there.
        #expect(try await a.command("b3", "NOTIFY SET (selected (MessageNew MessageExpunge)) (selected-delayed NONE)").last
                == "b3 BAD only one of SELECTED and SELECTED-DELAYED")
        #expect(try await a.command("b4", "NOTIFY SET (selected (MailboxName))").last == "b4 BAD only message events for SELECTED")
        #expect(try await a.command("b5", "NOTIFY SET (inboxes (MessageNew (UID) MessageExpunge))").last
                == "b5 BAD fetch attributes only for SELECTED")
        // Grammar: events in parentheses or NONE; a filter the RFC does not name.
        #expect(try await a.command("b6", "NOTIFY SET (personal MessageNew)").last?.hasPrefix("b6 BAD") == true)
        #expect(try await a.command("b7", "NOTIFY SET (everything (MessageNew MessageExpunge))").last?.hasPrefix("b7 BAD") == true)
        #expect(try await a.command("b8", "NOTIFY SET").last?.hasPrefix("b8 BAD") == true)
        // §3.1: an event the server does not offer is NO [BADEVENT] listing those it does.
        #expect(try await a.command("e1", "NOTIFY SET (personal (MessageNew MessageExpunge AnnotationChange))").last
                == "e1 NO [BADEVENT \(Self.events)] unsupported NOTIFY event")
        #expect(try await a.command("e2", "notify set (personal (MessageNew MessageExpunge x-Future))").last
                == "e2 NO [BADEVENT \(Self.events)] unsupported NOTIFY event")
        #expect(try await a.command("ok", "notify set (Selected-Delayed NONE) (mailboxes (INBOX \"a b\") (MailboxName))").last
                == "ok OK NOTIFY completed")
        #expect(try await a.command("no", "NOTIFY NONE").last == "no OK NOTIFY completed")
        try await fixture.store.close()
    }

    /// §3.1's example (its second group written as §5 requires: `(subtree Lists MessageNew)`
    /// asks for MessageNew alone, which is BAD), then §5.2's: another mailbox gets STATUS, the
    /// selected one EXISTS and the FETCH.
    @Test func rfcExampleStatusThenNewMessages() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let lemonade = try await fixture.store.createMailbox(of: fixture.account.id, named: "Lists/Lemonade", specialUse: nil)
        let im2000 = try await fixture.store.createMailbox(of: fixture.account.id, named: "Lists/Im2000", specialUse: nil)
        _ = try await fixture.store.createMailbox(of: fixture.account.id, named: "misc", specialUse: nil)
        _ = try await fixture.store.append(AppendRequest(bytes: Array("Subject: old\r\n\r\nx\r\n".utf8)), to: lemonade.id)
        let (a, _) = try await ChannelDialog.imap(fixture)
        try await a.login()
        #expect(try await a.command("x", "notify set status (selected MessageNew (uid body.peek[header.fields (from to subject)]) "
                                    + "MessageExpunge) (subtree Lists MessageNew)").last == "x BAD MessageNew and MessageExpunge go together")
        let set = try await a.command("b", "notify set status (selected MessageNew (uid body.peek[header.fields (from to subject)]) "
                                      + "MessageExpunge) (subtree Lists MessageNew MessageExpunge)")
        #expect(set == ["* STATUS Lists/Im2000 (MESSAGES 0 UIDNEXT 1 UIDVALIDITY \(im2000.uidValidity) UNSEEN 0)",
                        "* STATUS Lists/Lemonade (MESSAGES 1 UIDNEXT 2 UIDVALIDITY \(lemonade.uidValidity) UNSEEN 1)",
                        "b OK NOTIFY completed"])
        #expect(try await a.command("c", "select inbox").last?.hasPrefix("c OK [READ-WRITE]") == true)

        // Time passes. A new message is delivered to Lists/Lemonade: no command is needed.
        _ = try await fixture.store.append(AppendRequest(bytes: Array("Subject: new\r\n\r\nx\r\n".utf8)), to: lemonade.id)
        let line1 = try await a.line()
        #expect(line1 == "* STATUS Lists/Lemonade (MESSAGES 2 UIDNEXT 3 UIDVALIDITY \(lemonade.uidValidity) UNSEEN 2)")
        // A flag change that moves no STATUS item is not told (§5.1, no CONDSTORE); \Seen is.
        _ = try await fixture.store.setFlags(in: lemonade.id, uids: [1], change: .add(MessageFlags(keywords: ["$Junk"])), unchangedSince: nil)
        _ = try await fixture.store.setFlags(in: lemonade.id, uids: [1], change: .add(MessageFlags(system: .seen)), unchangedSince: nil)
        let line2 = try await a.line()
        #expect(line2 == "* STATUS Lists/Lemonade (MESSAGES 2 UIDNEXT 3 UIDVALIDITY \(lemonade.uidValidity) UNSEEN 1)")
        _ = try await fixture.store.expunge(in: lemonade.id, uids: [2])
        let line3 = try await a.line()
        #expect(line3 == "* STATUS Lists/Lemonade (MESSAGES 1 UIDNEXT 3 UIDVALIDITY \(lemonade.uidValidity) UNSEEN 0)")

        // A new message is delivered to INBOX: EXISTS (and RECENT, rev1), then the FETCH asked for.
        let message = "Subject: Re: good morning\r\nFrom: alice@example.org\r\nTo: bob@example.org\r\nX-Other: no\r\n\r\nhello\r\n"
        _ = try await fixture.store.append(AppendRequest(bytes: Array(message.utf8)), to: fixture.inbox.id)
        let n = IMAPFixture.messages.count + 1
        #expect(try await a.lines(2) == ["* \(n) EXISTS", "* \(n) RECENT"])
        let fetched = try await a.lines(5)
        #expect(fetched[0].hasPrefix("* \(n) FETCH (UID \(n) BODY[HEADER.FIELDS (from to subject)] {"), "\(fetched)")
        #expect(Array(fetched[1...4]) == ["Subject: Re: good morning", "From: alice@example.org", "To: bob@example.org", ""])
        let line4 = try await a.line()
        #expect(line4 == ")")
        // And the selected mailbox's own expunge goes out at once with SELECTED (§5.3).
        _ = try await fixture.store.expunge(in: fixture.inbox.id, uids: [1])
        let line5 = try await a.line()
        #expect(line5 == "* 1 EXPUNGE")
        // §5.2: no FETCH for a message this connection added itself.
        let own = "Subject: mine\r\n\r\nx\r\n"
        try await a.send("g APPEND INBOX {\(own.utf8.count)+}\r\n\(own)\r\n")
        let appended = try await a.tagged("g")
        #expect(appended.contains("* \(n) EXISTS") && !appended.contains { $0.contains("FETCH") }, "\(appended)")
        let noop = try await a.command("d", "NOOP")
        #expect(noop == ["d OK NOOP completed"])
        try await fixture.store.close()
    }

    /// §6.1.2: SELECTED-DELAYED holds expunges until a command may announce them.
    @Test func selectedDelayedHoldsExpunges() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let (a, _) = try await ChannelDialog.imap(fixture)
        try await a.login()
        _ = try await a.command("e", "ENABLE IMAP4rev2")
        _ = try await a.command("s", "SELECT INBOX")
        #expect(try await a.command("n", "NOTIFY SET (selected-delayed (MessageNew MessageExpunge FlagChange))").last == "n OK NOTIFY completed")
        _ = try await fixture.store.setFlags(in: fixture.inbox.id, uids: [2], change: .add(MessageFlags(system: .flagged)), unchangedSince: nil)
        let line6 = try await a.line()
        #expect(line6 == "* 2 FETCH (FLAGS (\\Flagged))")
        _ = try await fixture.store.expunge(in: fixture.inbox.id, uids: [1])
        _ = try await fixture.store.append(AppendRequest(bytes: Array("Subject: x\r\n\r\ny\r\n".utf8)), to: fixture.inbox.id)
        let line7 = try await a.line()
        #expect(line7 == "* \(IMAPFixture.messages.count + 1) EXISTS", "the expunge waits, the new message does not")
        let fetched = try await a.command("f", "FETCH 2 UID")
        #expect(fetched == ["* 2 FETCH (UID 2)", "f OK FETCH completed"], "message 1 is still number 1")
        #expect(try await a.command("o", "NOOP") == ["* 1 EXPUNGE", "o OK NOOP completed"])
        try await fixture.store.close()
    }

    /// §5.4-§5.7 from another session: LIST for names (the parent too, OLDNAME for a rename,
    /// \NonExistent after DELETE), LIST with or without \Subscribed, METADATA with the entry
    /// names; nothing for what this session did itself (§5).
    @Test func mailboxEventsFromAnotherSession() async throws {
        let fixture = try await IMAPFixture.make()
        let (a, _) = try await ChannelDialog.imap(fixture)
        let (b, _) = try await ChannelDialog.imap(fixture)
        try await a.login()
        try await b.login()
        #expect(try await a.command("n", "NOTIFY SET (personal (MailboxName SubscriptionChange MailboxMetadataChange ServerMetadataChange))")
                == ["n OK NOTIFY completed"])
        _ = try await b.command("b1", "CREATE Work")
        let line8 = try await a.line()
        #expect(line8 == "* LIST (\\HasNoChildren) \"/\" Work")
        _ = try await b.command("b2", "CREATE Work/Sub")
        #expect(try await a.lines(2) == ["* LIST (\\HasNoChildren) \"/\" Work/Sub", "* LIST (\\HasChildren) \"/\" Work"])
        _ = try await b.command("b3", "RENAME Work Play")
        let line9 = try await a.line()
        #expect(line9 == "* LIST (\\HasChildren) \"/\" Play (\"OLDNAME\" (Work))")
        _ = try await b.command("b4", "SUBSCRIBE Play")
        let line10 = try await a.line()
        #expect(line10 == "* LIST (\\HasChildren \\Subscribed) \"/\" Play")
        _ = try await b.command("b5", "SETMETADATA Play (/private/comment \"x\" /shared/comment NIL)")
        let line11 = try await a.line()
        #expect(line11 == "* METADATA Play /private/comment /shared/comment")
        _ = try await b.command("b6", "SETMETADATA \"\" (/shared/comment \"y\")")
        let line12 = try await a.line()
        #expect(line12 == "* METADATA \"\" /shared/comment")
        _ = try await b.command("b7", "DELETE Play/Sub")
        #expect(try await a.lines(2) == ["* LIST (\\NonExistent) \"/\" Play/Sub", "* LIST (\\HasNoChildren \\Subscribed) \"/\" Play"])
        _ = try await b.command("b8", "UNSUBSCRIBE Play")
        let line13 = try await a.line()
        #expect(line13 == "* LIST (\\HasNoChildren) \"/\" Play")
        // This session's own changes are not told back to it.
        #expect(try await a.command("a1", "CREATE Mine") == ["a1 OK [MAILBOXID (M\(try await mailboxID("Mine", fixture)))] CREATE completed"])
        #expect(try await a.command("a2", "SUBSCRIBE Mine") == ["a2 OK SUBSCRIBE completed"])
        _ = try await b.command("b9", "DELETE Play")
        let line14 = try await a.line()
        #expect(line14 == "* LIST (\\NonExistent) \"/\" Play", "nothing of a1 or a2 came before")
        try await fixture.store.close()
    }

    /// §6.4 and §6.5: `subscribed` follows the subscriptions, `subtree` a mailbox created in it;
    /// CONDSTORE adds HIGHESTMODSEQ (§5.1-§5.3). The LIST notifications show when the session
    /// has heard the change (it watches the new set from the same moment).
    @Test func watchedMailboxesFollowTheFilters() async throws {
        let fixture = try await IMAPFixture.make()
        let (a, _) = try await ChannelDialog.imap(fixture)
        try await a.login()
        _ = try await a.command("e", "ENABLE CONDSTORE")
        let set = try await a.command("n", "NOTIFY SET (subscribed (MessageNew MessageExpunge SubscriptionChange)) "
                                      + "(subtree Lists (MessageNew MessageExpunge MailboxName))")
        #expect(set == ["n OK NOTIFY completed"])
        let news = try await fixture.store.createMailbox(of: fixture.account.id, named: "News", specialUse: nil)
        let list = try await fixture.store.createMailbox(of: fixture.account.id, named: "Lists/New", specialUse: nil)
        let created = try await a.lines(2)
        #expect(created == ["* LIST (\\HasNoChildren) \"/\" Lists/New", "* LIST (\\Noselect \\HasChildren) \"/\" Lists"],
                "News is neither subscribed nor in the subtree")
        try await fixture.store.setSubscribed(true, account: fixture.account.id, name: "News")
        let subscribed = try await a.line()
        #expect(subscribed == "* LIST (\\HasNoChildren \\Subscribed) \"/\" News")
        _ = try await fixture.store.append(AppendRequest(bytes: Array("Subject: a\r\n\r\nb\r\n".utf8)), to: news.id)
        let newsStatus = try await a.line()
        #expect(newsStatus == "* STATUS News (MESSAGES 1 UIDNEXT 2 UIDVALIDITY \(news.uidValidity) UNSEEN 1 HIGHESTMODSEQ 2)")
        _ = try await fixture.store.append(AppendRequest(bytes: Array("Subject: a\r\n\r\nb\r\n".utf8)), to: list.id)
        let listStatus = try await a.line()
        #expect(listStatus == "* STATUS Lists/New (MESSAGES 1 UIDNEXT 2 UIDVALIDITY \(list.uidValidity) UNSEEN 1 HIGHESTMODSEQ 2)")
        try await fixture.store.setSubscribed(false, account: fixture.account.id, name: "News")
        let unsubscribed = try await a.line()
        #expect(unsubscribed == "* LIST (\\HasNoChildren) \"/\" News")
        _ = try await fixture.store.append(AppendRequest(bytes: Array("Subject: a\r\n\r\nb\r\n".utf8)), to: news.id)
        _ = try await fixture.store.append(AppendRequest(bytes: Array("Subject: a\r\n\r\nb\r\n".utf8)), to: list.id)
        let later = try await a.line()
        #expect(later == "* STATUS Lists/New (MESSAGES 2 UIDNEXT 3 UIDVALIDITY \(list.uidValidity) UNSEEN 2 HIGHESTMODSEQ 3)",
                "News is no longer subscribed, so no longer watched")
        try await fixture.store.close()
    }

    /// §3.1: NOTIFY SET is an implicit NOOP (the selected mailbox's waiting changes come before
    /// its OK); §4: IDLE sends the same events as NOTIFY asked for, other mailboxes' STATUS too.
    @Test func setIsANoopAndIdleSendsTheSameEvents() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let other = try await fixture.store.createMailbox(of: fixture.account.id, named: "Other", specialUse: nil)
        let (a, _) = try await ChannelDialog.imap(fixture)
        try await a.login()
        _ = try await a.command("e", "ENABLE IMAP4rev2")
        _ = try await a.command("s", "SELECT INBOX")
        _ = try await fixture.store.setFlags(in: fixture.inbox.id, uids: [1], change: .add(MessageFlags(system: .answered)), unchangedSince: nil)
        try await Task.sleep(for: .seconds(1))  // the change reaches the session, which waits for a command
        let set = try await a.command("n", "NOTIFY SET (mailboxes Other (MessageNew MessageExpunge))")
        #expect(set == ["* 1 FETCH (FLAGS (\\Answered))", "n OK NOTIFY completed"])
        try await a.send("i IDLE\r\n")
        let idling = try await a.line()
        #expect(idling == "+ idling")
        _ = try await fixture.store.append(AppendRequest(bytes: Array("Subject: a\r\n\r\nb\r\n".utf8)), to: other.id)
        let status = try await a.line()
        #expect(status == "* STATUS Other (MESSAGES 1 UIDNEXT 2 UIDVALIDITY \(other.uidValidity) UNSEEN 1)")
        try await a.send("DONE\r\n")
        let done = try await a.line()
        #expect(done == "i OK IDLE terminated")
        try await fixture.store.close()
    }

    /// §3.1 NOTIFICATIONOVERFLOW at SET, and §5.8 when the watched mailboxes outgrow the limit.
    @Test func overflow() async throws {
        let fixture = try await IMAPFixture.make(notifyMaxMailboxes: 7)
        _ = try await fixture.store.createMailbox(of: fixture.account.id, named: "One", specialUse: nil)
        #expect(try await fixture.store.mailboxes(of: fixture.account.id).count == 7, "INBOX, the five special-use ones, One")
        let (a, _) = try await ChannelDialog.imap(fixture)
        try await a.login()
        #expect(try await a.command("n", "NOTIFY SET (personal (MessageNew MessageExpunge))").last == "n OK NOTIFY completed")
        _ = try await fixture.store.createMailbox(of: fixture.account.id, named: "Two", specialUse: nil)
        let line18 = try await a.line()
        #expect(line18 == "* OK [NOTIFICATIONOVERFLOW] notifications stopped")
        _ = try await fixture.store.append(AppendRequest(bytes: Array("Subject: a\r\n\r\nb\r\n".utf8)), to: fixture.inbox.id)
        #expect(try await a.command("o", "NOOP") == ["o OK NOOP completed"], "behaves as after NOTIFY NONE")
        #expect(try await a.command("m", "NOTIFY SET (personal (MessageNew MessageExpunge))").last
                == "m NO [NOTIFICATIONOVERFLOW] NOTIFY would watch more than 7 mailboxes")
        try await fixture.store.close()
    }

    private func mailboxID(_ name: String, _ fixture: IMAPFixture) async throws -> UInt32 {
        try #require(try await fixture.store.mailbox(of: fixture.account.id, named: name)).uidValidity
    }
}
