import HatoTesting
import Testing

/// COPY and MOVE into the mailbox that is selected: the client hears about the new messages
/// before the tagged OK, as it does for APPEND (RFC 9051 §6.3.12, §6.4.7; RFC 6851 §3.3).
@Suite struct IMAPCopyMoveSelectedTests {
    /// RFC 6851 §4.3's shape (untagged COPYUID, then the expunge, then OK) with the copy's
    /// EXISTS as well: a MOVE within the selected mailbox is a gone message and a new one, in
    /// that order whenever the change feed delivers. (A rev1 session: the RECENT count follows
    /// each EXISTS; the three delivered messages and each copy are recent here.)
    @Test func moveIntoTheSelectedMailboxGivesExistsAndExpunge() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let (dialog, _) = try await ChannelDialog.imap(fixture)
        try await dialog.login()
        let select = try await dialog.command("s", "SELECT INBOX")
        let validity = fixture.inbox.uidValidity
        #expect(select.contains("* 3 EXISTS"))
        let m1 = try await dialog.command("m1", "MOVE 1 INBOX")
        #expect(m1 == ["* OK [COPYUID \(validity) 1 4] copied", "* 1 EXPUNGE", "* 3 EXISTS", "* 3 RECENT", "m1 OK MOVE completed"])
        let m2 = try await dialog.command("m2", "UID MOVE 2:3 INBOX")
        #expect(m2 == ["* OK [COPYUID \(validity) 2:3 5:6] copied", "* 2 EXPUNGE", "* 1 EXPUNGE", "* 3 EXISTS", "* 3 RECENT", "m2 OK MOVE completed"])
        #expect(try await dialog.command("f", "FETCH 1:* (UID)")
                == ["* 1 FETCH (UID 4)", "* 2 FETCH (UID 5)", "* 3 FETCH (UID 6)", "f OK FETCH completed"])
        // COPY too: the copy's EXISTS comes with the reply.
        #expect(try await dialog.command("c1", "COPY 3 INBOX") == ["* 4 EXISTS", "* 4 RECENT", "c1 OK [COPYUID \(validity) 6 7] COPY completed"])
        #expect(try await dialog.command("n", "NOOP") == ["n OK NOOP completed"], "nothing is announced twice")
        try await fixture.store.close()
    }
}
