import HatoTesting
import Testing

/// ENVELOPE addresses (RFC 3501 §7.4.2, RFC 9051 §7.5.2) and SEARCH FROM/TO/CC/BCC on them
/// (RFC 9051 §6.4.4): names in the older comment form, groups with their start and end
/// entries, encoded-words.
@Suite struct IMAPEnvelopeAddressTests {
    /// The addresses of RFC 3501 §7.4.2's FETCH example, written the older way, plus groups.
    static let message = [
        "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)",
        "From: gray@cac.washington.edu (Terry Gray)",
        "Subject: IMAP4rev1 WG mtg summary and minutes",
        "To: imap@cac.washington.edu",
        "Cc: minutes@CNRI.Reston.VA.US, <KLENSIN@MIT.EDU> (John Klensin)",
        "Bcc: undisclosed-recipients:;",
        "Reply-To: The Group: a@b.example, \"C D\" <c@d.example>, e@f.example (=?UTF-8?B?5bGx55Sw?=);",
        "Message-Id: <B27397-0100000@cac.washington.edu>",
        "", "body", "",
    ].joined(separator: "\r\n")

    static let envelope = "ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" "
        + "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
        + "((NIL NIL \"The Group\" NIL)(NIL NIL \"a\" \"b.example\")(\"C D\" NIL \"c\" \"d.example\")"
        + "(\"=?UTF-8?B?5bGx55Sw?=\" NIL \"e\" \"f.example\")(NIL NIL NIL NIL)) "
        + "((NIL NIL \"imap\" \"cac.washington.edu\")) "
        + "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) "
        + "((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) NIL \"<B27397-0100000@cac.washington.edu>\")"

    /// With a stored summary (as `hato serve` keeps) and without one (read from the octets):
    /// the same ENVELOPE and the same SEARCH answers.
    @Test(arguments: [true, false])
    func commentNamesGroupsAndSearch(summarize: Bool) async throws {
        let fixture = try await IMAPFixture.make(messages: [IMAPFixture.messages[0], Self.message], summarize: summarize)
        let (dialog, _) = try await ChannelDialog.imap(fixture)
        try await dialog.login()
        _ = try await dialog.command("s", "SELECT INBOX")
        let fetched = try await dialog.command("f", "FETCH 2 ENVELOPE")
        #expect(fetched == ["* 2 FETCH (\(Self.envelope))", "f OK FETCH completed"])
        let searches: [(String, String)] = [
            ("FROM \"Terry Gray\"", "2"), ("FROM gray@cac", "2"), ("FROM \"Bob\"", "1"),
            ("CC klensin", "2"), ("CC \"john KLENSIN\"", "2"), ("CC minutes@cnri", "2"),
            ("BCC undisclosed", "2"), ("BCC recipients", "2"), ("TO imap@", "2"), ("TO alice", "1"),
            ("HEADER Reply-To \"the group\"", "2"), ("FROM nobody", ""), ("BCC \"undisclosed-recipients:\"", ""),
        ]
        for (n, (criteria, expected)) in searches.enumerated() {
            let reply = try await dialog.command("q\(n)", "SEARCH \(criteria)")
            #expect(reply == ["* SEARCH" + (expected.isEmpty ? "" : " " + expected), "q\(n) OK SEARCH completed"], "\(criteria)")
        }
        // The decoded name of an encoded-word comment: "山田" sent as a UTF-8 literal.
        try await dialog.send("u1 SEARCH CHARSET UTF-8 FROM {6}\r\n")
        #expect(try await dialog.line() == "+ Ready for literal data")
        try await dialog.send("山田\r\n")
        #expect(try await dialog.tagged("u1") == ["* SEARCH", "u1 OK SEARCH completed"], "Reply-To is not FROM")
        try await dialog.send("u2 UID SEARCH CHARSET UTF-8 TEXT {6+}\r\n山田\r\n")
        #expect(try await dialog.tagged("u2") == ["* SEARCH 2", "u2 OK UID SEARCH completed"])
        try await fixture.store.close()
    }
}
