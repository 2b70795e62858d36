import HatoTesting
import IMAPProtocol
import MailStore
import Testing

/// RFC 8508 REPLACE and UID REPLACE: the RFC's own examples, replacing into another mailbox with
/// CONDSTORE, and every refusal leaving both mailboxes as they were with the session going on.
@Suite struct IMAPReplaceTests {
    static let draft = "Date: Thu, 1 Jan 2015 00:05:00 -0500 (EST)\r\nFrom: Fritz Schmidt <fritz.ze@example.org>\r\n"
        + "Subject: happy new year !!\r\nTo: miss.mitzy@example.org\r\nMessage-Id: <B238822388-0100000@example.org>\r\n"
        + "MIME-Version: 1.0\r\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\nJust saw the best fireworks show. Wish you were here.\r\n"

    /// A fixture whose Drafts holds four messages.
    static func drafts(quota: Quota = .unlimited, maxMessageSize: Int = 1024 * 1024) async throws -> (IMAPFixture, Mailbox) {
        let fixture = try await IMAPFixture.make(quota: quota, maxMessageSize: maxMessageSize)
        let drafts = try #require(try await fixture.store.mailbox(of: fixture.account.id, named: "Drafts"))
        for n in 1...4 { _ = try await fixture.store.append(AppendRequest(bytes: Array("Subject: draft \(n)\r\n\r\nx\r\n".utf8)), to: drafts.id) }
        return (fixture, drafts)
    }

    /// Sends a command ending in a synchronizing literal, waits for "+", sends the octets.
    static func withLiteral(_ dialog: ChannelDialog, _ tag: String, _ text: String, _ message: String) async throws -> [String] {
        try await dialog.send("\(tag) \(text) {\(message.utf8.count)}\r\n")
        let ready = try await dialog.line()
        guard ready.hasPrefix("+") else { return [ready] }
        try await dialog.send(message + "\r\n")
        return try await dialog.tagged(tag)
    }

    @Test func theRFCExamples() async throws {
        let (fixture, drafts) = try await Self.drafts()
        let (dialog, _) = try await ChannelDialog.imap(fixture)
        try await dialog.login()
        _ = try await dialog.command("e", "ENABLE IMAP4rev2")
        #expect(try await dialog.command("s", "SELECT Drafts").contains("* 4 EXISTS"))
        // RFC 8508 §3.2
        let replaced = try await Self.withLiteral(dialog, "A003", "REPLACE 4 Drafts (\\Seen \\Draft)", Self.draft)
        #expect(replaced == ["* OK [APPENDUID \(drafts.uidValidity) 5] Replacement Message ready", "* 5 EXISTS", "* 4 EXPUNGE",
                             "A003 OK REPLACE completed"])
        // RFC 8508 §3.3: UID REPLACE of the message just made. The replacement is new content
        // with an EMAILID of its own (§4.6).
        let before = try await dialog.command("i1", "UID FETCH 5 EMAILID")
        let second = Self.draft.replacingOccurrences(of: "Wish you were here.", with: "Hopefully next year you can join us.")
        #expect(try await Self.withLiteral(dialog, "A004", "UID REPLACE 5 Drafts (\\Seen \\Draft)", second)
                == ["* OK [APPENDUID \(drafts.uidValidity) 6] Replacement Message ready", "* 5 EXISTS", "* 4 EXPUNGE",
                    "A004 OK REPLACE completed"])
        let after = try await dialog.command("i2", "UID FETCH 6 EMAILID")
        #expect(before.count == 2 && after.count == 2 && before[0].hasPrefix("* 4 FETCH (UID 5 EMAILID (E"), "\(before)")
        #expect(before[0].replacingOccurrences(of: "UID 5", with: "UID 6") != after[0], "\(before) \(after)")
        #expect(try await dialog.command("f", "FETCH 1:* (UID FLAGS BODY.PEEK[TEXT])") == [
            "* 1 FETCH (UID 1 FLAGS () BODY[TEXT] {3}", "x", ")",
            "* 2 FETCH (UID 2 FLAGS () BODY[TEXT] {3}", "x", ")",
            "* 3 FETCH (UID 3 FLAGS () BODY[TEXT] {3}", "x", ")",
            "* 4 FETCH (UID 6 FLAGS (\\Seen \\Draft) BODY[TEXT] {72}", "Just saw the best fireworks show. Hopefully next year you can join us.", ")",
            "f OK FETCH completed",
        ])
        #expect(try await dialog.command("n", "NOOP") == ["n OK NOOP completed"], "nothing is announced twice")
        try await fixture.store.close()
    }

    /// Draft to Sent after submission (§3.4): the append goes elsewhere, the expunge is here; with
    /// CONDSTORE the tagged OK has HIGHESTMODSEQ (§4.5) and QRESYNC makes it VANISHED.
    @Test func intoAnotherMailboxWithCondstoreAndQresync() async throws {
        let (fixture, _) = try await Self.drafts()
        let sent = try #require(try await fixture.store.mailbox(of: fixture.account.id, named: "Sent"))
        let (dialog, _) = try await ChannelDialog.imap(fixture)
        try await dialog.login()
        _ = try await dialog.command("e", "ENABLE QRESYNC")
        _ = try await dialog.command("s", "SELECT Drafts")
        let replaced = try await Self.withLiteral(dialog, "r1", "REPLACE 2 Sent (\\Seen)", Self.draft)
        let modSeq = try #require(try await fixture.store.mailbox(of: fixture.account.id, named: "Drafts")?.highestModSeq)
        #expect(replaced == ["* OK [APPENDUID \(sent.uidValidity) 1] Replacement Message ready", "* VANISHED 2",
                             "r1 OK [HIGHESTMODSEQ \(modSeq)] REPLACE completed"])
        #expect(try await dialog.command("st", "STATUS Sent (MESSAGES UIDNEXT)") == ["* STATUS Sent (MESSAGES 1 UIDNEXT 2)", "st OK STATUS completed"])
        #expect(try await dialog.command("f", "FETCH 1:* UID") == ["* 1 FETCH (UID 1)", "* 2 FETCH (UID 3)", "* 3 FETCH (UID 4)", "f OK FETCH completed"])
        try await fixture.store.close()
    }

    @Test func refusalsChangeNothingAndTheSessionGoesOn() async throws {
        let message = "Subject: big\r\n\r\n" + String(repeating: "y", count: 340) + "\r\n"
        let (fixture, drafts) = try await Self.drafts(quota: Quota(maxBytes: 400), maxMessageSize: 2000)
        let (dialog, _) = try await ChannelDialog.imap(fixture)
        try await dialog.login()
        // Selected state only (§3.5).
        let unselected = try await dialog.command("a", "REPLACE 1 Drafts {1+}\r\nx")
        #expect(unselected.count == 1 && unselected[0].hasPrefix("a NO "), "\(unselected)")
        _ = try await dialog.command("x", "EXAMINE Drafts")
        let readOnly = try await dialog.command("b", "REPLACE 1 Drafts {1+}\r\nx")
        #expect(readOnly.count == 1 && readOnly[0].hasPrefix("b NO [READ-ONLY]"), "\(readOnly)")
        _ = try await dialog.command("s", "SELECT Drafts")
        let outOfRange = try await dialog.command("c", "REPLACE 5 Drafts {1+}\r\nx")
        #expect(outOfRange.count == 1 && outOfRange[0].hasPrefix("c BAD "), "\(outOfRange)")
        #expect(try await dialog.command("d", "UID REPLACE 99 Drafts {1+}\r\nx") == ["d NO no such message to replace"])
        let missing = try await dialog.command("e", "REPLACE 1 Nowhere {1+}\r\nx")
        #expect(missing.count == 1 && missing[0].hasPrefix("e NO [TRYCREATE]"), "\(missing)")
        // The quota counts the net: 4 drafts of 23 octets - 23 + 358 is over 400, even with one gone.
        let quota = try await Self.withLiteral(dialog, "f", "REPLACE 1 Drafts", message)
        #expect(quota.count == 1 && quota[0].hasPrefix("f NO [OVERQUOTA]"), "\(quota)")
        // Over the size limit: refused before the octets (RFC 7888 §4, RFC 4469 TOOBIG), also for UID REPLACE.
        let tooBig = try await dialog.command("g", "UID REPLACE 1 Drafts {5000}")
        #expect(tooBig.count == 1 && tooBig[0].hasPrefix("g NO [TOOBIG]"), "\(tooBig)")
        let empty = try await dialog.command("h", "REPLACE 1 Drafts {0+}\r\n")
        #expect(empty.count == 1 && empty[0].hasPrefix("h BAD"), "\(empty)")
        let syntax = try await dialog.command("i", "REPLACE 1:2 Drafts {1+}\r\nx")
        #expect(syntax.count == 1 && syntax[0].hasPrefix("i BAD"), "\(syntax)")
        #expect(try await dialog.command("n", "NOOP") == ["n OK NOOP completed"])
        #expect(try await fixture.store.messages(in: drafts.id).map(\.uid) == [1, 2, 3, 4], "nothing was expunged")
        // Within the quota the net change fits: 23 octets go, 30 come.
        let fits = try await Self.withLiteral(dialog, "j", "REPLACE 1 Drafts", "Subject: fits\r\n\r\nabcdefghijkl\r\n")
        #expect(fits.last == "j OK REPLACE completed", "\(fits)")
        try await fixture.store.close()
    }
}
