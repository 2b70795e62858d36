import IMAPProtocol
import Testing

/// RESETKEY, GENURLAUTH, URLFETCH (RFC 4467 §9, RFC 5524 §5) and URLAUTH-authorized IMAP URLs
/// (RFC 4467 §3, RFC 5092 §11) as the RFCs write them, and what the grammar refuses.
@Suite struct URLAuthGrammarTests {
    static let rfcURL = "imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:91354a473744909de610943775f92038"

    @Test func commandsAsTheRFCsWriteThem() throws {
        #expect(try parse("a31 RESETKEY") == .resetKey(nil, mechanisms: []))
        #expect(try parse("a32 RESETKEY INBOX") == .resetKey(IMAPMailboxName("INBOX"), mechanisms: []))
        #expect(try parse("a33 RESETKEY INBOX XSAMPLE internal") == .resetKey(IMAPMailboxName("INBOX"), mechanisms: ["XSAMPLE", "INTERNAL"]))
        #expect(try parse("a777 GENURLAUTH \"imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred\" INTERNAL")
                == .genURLAuth([IMAPGenURLAuthRequest(url: "imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred", mechanism: "INTERNAL")]))
        #expect(try parse("a GENURLAUTH \"u1\" internal \"u2\" X-1.b") == .genURLAuth([
            IMAPGenURLAuthRequest(url: "u1", mechanism: "INTERNAL"), IMAPGenURLAuthRequest(url: "u2", mechanism: "X-1.B")]))
        #expect(try parse("a002 URLFETCH \"\(Self.rfcURL)\"") == .urlFetch([IMAPURLFetchRequest(url: Self.rfcURL)]))
        #expect(try parse("a URLFETCH (\"u1\" BINARY bodypartstructure) u2 (\"u3\")") == .urlFetch([
            IMAPURLFetchRequest(url: "u1", parameters: [.binary, .bodyPartStructure]), IMAPURLFetchRequest(url: "u2"),
            IMAPURLFetchRequest(url: "u3", parameters: [])]))
        for bad in ["a RESETKEY INBOX in(ternal", "a GENURLAUTH", "a GENURLAUTH \"u\"", "a GENURLAUTH \"u\" INTERNAL \"v\"", "a URLFETCH",
                    "a URLFETCH (\"u\" X)", "a URLFETCH (\"u\" BODY BINARY)", "a URLFETCH (\"u\" BODY BODY)", "a URLFETCH (\"u\"", "a URLFETCH \"u\" "] {
            #expect(parseError(bad) != nil, "\(bad)")
        }
    }

    @Test func authorizedURLs() throws {
        let full = try #require(IMAPURL.parseAuthorized(Self.rfcURL, full: true))
        #expect(full.owner == "joe" && full.host == "example.com" && full.access == .submit("fred") && full.expire == nil)
        #expect(full.message == IMAPMessageURL(mailbox: IMAPMailboxName("INBOX"), uid: 20, section: IMAPSection(part: [1, 2], text: nil)))
        #expect(full.rump == "imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred")
        #expect(full.mechanism == "INTERNAL" && full.token?.count == 16)
        #expect(IMAPURL.parseAuthorized(Self.rfcURL, full: false) == nil, "a token where a rump is wanted")
        #expect(IMAPURL.parseAuthorized(full.rump, full: true) == nil, "no token where one is wanted")
        let rump = try #require(IMAPURL.parseAuthorized(
            "IMAP://a%40b.test;AUTH=*@[::1]:143/Sent%20Items;UIDVALIDITY=7/;UID=3/;SECTION=HEADER/;PARTIAL=0.10;EXPIRE=2026-12-06T12:00:00.25+09:00;URLAUTH=user+c%40d.test",
            full: false))
        #expect(rump.owner == "a@b.test" && rump.host == "[::1]:143" && rump.access == .user("c@d.test"))
        #expect(rump.message == IMAPMessageURL(mailbox: IMAPMailboxName("Sent Items"), uidValidity: 7, uid: 3,
                                               section: IMAPSection(part: [], text: .header), partial: IMAPURLPartial(offset: 0, length: 10)))
        #expect(rump.expire == 1_796_526_000.25, "12:00 at +09:00 is 03:00Z")
        for access in ["anonymous", "AUTHUSER"] {
            #expect(IMAPURL.parseAuthorized("imap://a@h/INBOX/;UID=1;URLAUTH=\(access)", full: false) != nil, "\(access)")
        }
        #expect(IMAPURL.parseAuthorized("imap://a@h/INBOX/;UID=1;EXPIRE=2020-01-01T00:00:00Z;URLAUTH=anonymous", full: false)?.expire == 1_577_836_800)
        #expect(IMAPURL.parseAuthorized("imap://a@h/INBOX;UIDVALIDITY=12/;UID=1;URLAUTH=anonymous", full: false)?.message.uidValidity == 12)
        for bad in [
            "imap://a@h/INBOX/;UID=1", "imap://a@h/INBOX;URLAUTH=anonymous", "imap://h/INBOX/;UID=1;URLAUTH=anonymous",
            "imap://a@h/;UID=1;URLAUTH=anonymous", "imap://a@h/INBOX/;UID=1;URLAUTH=user+", "imap://a@h/INBOX/;UID=1;URLAUTH=guest",
            "imap://a@h/INBOX/;UID=1;URLAUTH=anonymous;EXPIRE=2020-01-01T00:00:00Z", "imap://a@h/INBOX?x/;UID=1;URLAUTH=anonymous",
            "imap://a@h/INBOX/;UID=1;EXPIRE=2020-02-30T00:00:00Z;URLAUTH=anonymous", "imap://a@h/INBOX/;UID=1;EXPIRE=2020-01-01;URLAUTH=anonymous",
            "imap://a@h/INBOX/;UID=1;EXPIRE=2020-01-01T24:00:00Z;URLAUTH=anonymous", "http://a@h/INBOX/;UID=1;URLAUTH=anonymous",
            "imap://a@h//INBOX/;UID=1;URLAUTH=anonymous", "imap://a@h/INBOX/;UID=0;URLAUTH=anonymous", "imap://a@h/INBOX/;UID=1;URLAUTH=anonymous ",
        ] {
            #expect(IMAPURL.parseAuthorized(bad, full: false) == nil, "\(bad)")
        }
        for bad in ["\(full.rump):internal:91354a47", "\(full.rump):internal:91354a473744909de610943775f9203", "\(full.rump)::91354a473744909de610943775f92038",
                    "\(full.rump):internal:91354a473744909de610943775f9203g", "\(full.rump):in ternal:91354a473744909de610943775f92038"] {
            #expect(IMAPURL.parseAuthorized(bad, full: true) == nil, "\(bad)")
        }
    }
}
