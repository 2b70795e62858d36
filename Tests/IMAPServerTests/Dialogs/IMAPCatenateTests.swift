import HatoTesting
import IMAPProtocol
import MailStore
import Testing

/// RFC 4469 CATENATE: the RFC's examples over a multipart draft, URLs relative to the selected
/// mailbox with PARTIAL (RFC 5092), BADURL naming the first URL that failed, TOOBIG and LIMIT,
/// and REPLACE with CATENATE (RFC 8508 §4.2).
@Suite struct IMAPCatenateTests {
    static func crlf(_ lines: [String]) -> String { lines.joined(separator: "\r\n") }

    static let header = crlf(["From: Bob Ar <bar@example.org>", "To: foo@example.net", "Subject: About our holiday trip",
                              "MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=\"b1\"", "", ""])
    static let part1 = crlf(["--b1", "Content-Type: text/plain; charset=us-ascii", "",
                             "Our travel agent has sent the updated schedule.", ""])
    static let part2MIME = crlf(["Content-Type: application/pdf; name=\"itinerary.pdf\"", "Content-Transfer-Encoding: base64", "", ""])
    static let part2 = "SGVsbG8gaG9saWRheQ=="
    static let original = header + part1 + "--b1\r\n" + part2MIME + part2 + "\r\n--b1--\r\n"

    static func drafts(maxMessageSize: Int = 1024 * 1024, maxCatenateURLs: Int = 100) async throws -> (IMAPFixture, Mailbox) {
        let fixture = try await IMAPFixture.make(maxMessageSize: maxMessageSize, maxCatenateURLs: maxCatenateURLs)
        let drafts = try #require(try await fixture.store.mailbox(of: fixture.account.id, named: "Drafts"))
        _ = try await fixture.store.append(AppendRequest(bytes: Array(original.utf8)), to: drafts.id)
        return (fixture, drafts)
    }

    static func body(_ fixture: IMAPFixture, _ mailbox: String, uid: UInt32) async throws -> String? {
        guard let box = try await fixture.store.mailbox(of: fixture.account.id, named: mailbox),
              let message = try await fixture.store.message(in: box.id, uid: uid) else { return nil }
        return String(decoding: try await fixture.store.readBody(message.body), as: UTF8.self)
    }

    /// RFC 4469 Appendix A example 2: a new first part, the draft's attachment kept by URL
    /// (its MIME header and its body, "Section=2.MIME" spelled as the RFC does), one
    /// synchronizing and one non-synchronizing literal. The source is not marked \Seen.
    @Test func forwardingAnAttachmentByURL() async throws {
        let (fixture, drafts) = try await Self.drafts()
        let (dialog, _) = try await ChannelDialog.imap(fixture)
        try await dialog.login()
        let first = Self.header.replacingOccurrences(of: "About our holiday trip", with: "Fwd: the schedule")
            + Self.crlf(["--b1", "Content-Type: text/plain; charset=us-ascii", "", "Here it is.", "--b1", ""])
        let url = "/Drafts;UIDVALIDITY=\(drafts.uidValidity)/;UID=1"
        try await dialog.send("A003 APPEND Drafts (\\Seen \\Draft $MDNSent) CATENATE (TEXT {\(first.utf8.count)}\r\n")
        #expect(try await dialog.line() == "+ Ready for literal data")
        try await dialog.send(first + " URL \"\(url)/;Section=2.MIME\" URL \"\(url)/;SECTION=2\" TEXT {10+}\r\n\r\n--b1--\r\n)\r\n")
        #expect(try await dialog.tagged("A003") == ["A003 OK [APPENDUID \(drafts.uidValidity) 2] APPEND completed"])
        #expect(try await Self.body(fixture, "Drafts", uid: 2) == first + Self.part2MIME + Self.part2 + "\r\n--b1--\r\n")
        _ = try await dialog.command("e", "ENABLE IMAP4rev2")  // no \\Recent in the flags
        _ = try await dialog.command("x", "EXAMINE Drafts")
        let flags = try await dialog.command("f", "UID FETCH 1:2 FLAGS")
        #expect(flags == ["* 1 FETCH (UID 1 FLAGS ())", "* 2 FETCH (UID 2 FLAGS (\\Seen \\Draft $MDNSent))", "f OK UID FETCH completed"],
                "\(flags)")
        try await fixture.store.close()
    }

    /// RFC 4469 §3: in the selected state a URL is relative to the selected mailbox; PARTIAL cuts
    /// the section (RFC 5092 §5); a URL of the selected mailbox's sibling resolves by its level.
    @Test func relativeURLsAndPartial() async throws {
        let (fixture, _) = try await Self.drafts()
        let (dialog, _) = try await ChannelDialog.imap(fixture)
        try await dialog.login()
        _ = try await dialog.command("s", "SELECT Drafts")
        let reply = try await dialog.command("a", "APPEND INBOX CATENATE (URL \";UID=1/;SECTION=HEADER.FIELDS%20(SUBJECT)\" URL ;uid=1/;section=1/;partial=4.6 TEXT {2+}\r\n\r\n URL Drafts/;UID=1/;SECTION=2/;PARTIAL=4)")
        #expect(reply.count == 1 && reply[0].hasPrefix("a OK [APPENDUID \(fixture.inbox.uidValidity) 1]"), "\(reply)")
        #expect(try await Self.body(fixture, "INBOX", uid: 1) == "Subject: About our holiday trip\r\n\r\ntravel\r\n" + Self.part2.dropFirst(4))
        try await fixture.store.close()
    }

    @Test func refusalsNameTheFirstBadURL() async throws {
        let (fixture, drafts) = try await Self.drafts(maxMessageSize: 600, maxCatenateURLs: 3)
        let (dialog, _) = try await ChannelDialog.imap(fixture)
        try await dialog.login()
        let validity = drafts.uidValidity
        let cases: [(String, String)] = [
            ("URL \"/Drafts/;UID=99\" URL \"imap://x\"", "/Drafts/;UID=99"),
            ("URL \"imap://alice%40example.test@mail.example.test/Drafts/;UID=1\"", "imap://alice%40example.test@mail.example.test/Drafts/;UID=1"),
            ("URL \"/Drafts;UIDVALIDITY=\(validity &+ 1)/;UID=1\"", "/Drafts;UIDVALIDITY=\(validity &+ 1)/;UID=1"),
            ("URL \"/Drafts/;UID=1/;SECTION=3\"", "/Drafts/;UID=1/;SECTION=3"),
            ("URL \"/Nowhere/;UID=1\"", "/Nowhere/;UID=1"),
            ("URL \";UID=1\"", ";UID=1"),  // relative, but nothing is selected
            ("URL \"/Drafts/;UID=1/;SECTION=1\" URL \"/Drafts/;UID=1/;SECTION=BODY\"", "/Drafts/;UID=1/;SECTION=BODY"),
        ]
        for (n, (parts, bad)) in cases.enumerated() {
            #expect(try await dialog.command("b\(n)", "APPEND INBOX CATENATE (\(parts))")
                    == ["b\(n) NO [BADURL \(bad)] CATENATE URL names no message or part of it here"], "\(parts)")
        }
        // RFC 4469 §4.2 TOOBIG: two copies of the draft pass the 600-octet limit.
        let tooBig = try await dialog.command("t", "APPEND INBOX CATENATE (URL \"/Drafts/;UID=1\" URL \"/Drafts/;UID=1\")")
        #expect(tooBig.count == 1 && tooBig[0].hasPrefix("t NO [TOOBIG]"), "\(tooBig)")
        let tooMany = try await dialog.command("m", "APPEND INBOX CATENATE (URL /Drafts/;UID=1/;SECTION=1 URL /Drafts/;UID=1/;SECTION=1 URL /Drafts/;UID=1/;SECTION=1 URL /Drafts/;UID=1/;SECTION=1)")
        #expect(tooMany == ["m NO [LIMIT] too many CATENATE URLs; the limit is 3 per message"])
        let syntax = try await dialog.command("y", "APPEND INBOX CATENATE (URL)")
        #expect(syntax.count == 1 && syntax[0].hasPrefix("y BAD"), "\(syntax)")
        // MULTIAPPEND is all or nothing: a good literal before a bad URL leaves nothing.
        let multi = try await dialog.command("z", "APPEND INBOX {1+}\r\nm CATENATE (URL \"/Drafts/;UID=7\")")
        #expect(multi == ["z NO [BADURL /Drafts/;UID=7] CATENATE URL names no message or part of it here"])
        #expect(try await dialog.command("n", "NOOP") == ["n OK NOOP completed"])
        #expect(try await fixture.store.messages(in: fixture.inbox.id).isEmpty, "nothing was appended")
        try await fixture.store.close()
    }

    /// RFC 8508 §4.2: the user completes the draft with To and Subject; the URL names the very
    /// message being replaced, which is read before it goes.
    @Test func replaceWithCatenate() async throws {
        let (fixture, drafts) = try await Self.drafts()
        let (dialog, _) = try await ChannelDialog.imap(fixture)
        try await dialog.login()
        _ = try await dialog.command("e", "ENABLE IMAP4rev2")
        _ = try await dialog.command("s", "SELECT Drafts")
        let fields = "To: Mitzy <miss.mitzy@example.org>\r\nSubject: My view of the fireworks\r\n"
        let reply = try await dialog.command("A011", "UID REPLACE 1 Drafts CATENATE (TEXT {\(fields.utf8.count)+}\r\n\(fields) URL \"/Drafts/;UID=1\")")
        #expect(reply == ["* OK [APPENDUID \(drafts.uidValidity) 2] Replacement Message ready", "* 2 EXISTS", "* 1 EXPUNGE",
                          "A011 OK REPLACE completed"])
        #expect(try await Self.body(fixture, "Drafts", uid: 2) == fields + Self.original)
        #expect(try await Self.body(fixture, "Drafts", uid: 1) == nil)
        try await fixture.store.close()
    }
}
