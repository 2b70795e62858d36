import HatoTesting
import MailCore
import MailStore
import Testing

/// RFC 4467 URLAUTH with the RFC's examples (§7, §8) adapted to this host: alice signs URLs of
/// her INBOX, bob fetches them from his own session. UID 20 is a multipart message whose part
/// 1.2 is §8's "Si vis pacem, para bellum." and whose part 2 is base64 with NUL octets.
@Suite struct IMAPURLAuthTests {
    static let owner = "imap://alice%40example.test@mail.example.test"
    static let paraBellum = """
        From: Joe <joe@example.test>\r\nTo: alice@example.test\r\nSubject: para bellum\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary="outer"\r\n\r\n--outer\r\n\
        Content-Type: multipart/alternative; boundary="inner"\r\n\r\n--inner\r\n\
        Content-Type: text/plain; charset=us-ascii\r\n\r\nQui desiderat pacem, praeparet bellum.\r\n\r\n--inner\r\n\
        Content-Type: text/plain; charset=us-ascii\r\n\r\nSi vis pacem, para bellum.\r\n\r\n--inner--\r\n\r\n--outer\r\n\
        Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwBiaW4=\r\n--outer--\r\n
        """

    /// alice's session and bob's, logged in, over one store.
    static func open(maxURLs: Int = 100) async throws -> (IMAPFixture, alice: ChannelDialog, bob: ChannelDialog) {
        let fillers = (1...19).map { "Subject: filler \($0)\r\n\r\nbody \($0)\r\n" }
        let fixture = try await IMAPFixture.make(messages: fillers + [paraBellum], urlAuthMaxURLs: maxURLs)
        _ = try await fixture.store.addAccount(try EmailAddress("bob@example.test"),
                                               credentials: try Account.deriveCredentials(password: "bob secret", iterations: 4096),
                                               quota: .unlimited)
        let (alice, _) = try await ChannelDialog.imap(fixture)
        try await alice.login()
        let (bob, _) = try await ChannelDialog.imap(fixture)
        #expect(try await bob.command("b1", "LOGIN bob@example.test \"bob secret\"").last?.hasPrefix("b1 OK ") == true)
        return (fixture, alice, bob)
    }

    /// GENURLAUTH of one rump URL; the URL it returns.
    static func sign(_ dialog: ChannelDialog, _ rump: String, tag: String = "g") async throws -> String {
        let lines = try await dialog.command(tag, "GENURLAUTH \"\(rump)\" INTERNAL")
        #expect(lines.count == 2 && lines.last == "\(tag) OK GENURLAUTH completed", "\(lines)")
        let prefix = "* GENURLAUTH \""
        let first = try #require(lines.first)
        try #require(first.hasPrefix(prefix) && first.hasSuffix("\""), "\(lines)")
        return String(first.dropFirst(prefix.count).dropLast())
    }

    /// URLFETCH of one URL: its data, nil for NIL.
    static func fetch(_ dialog: ChannelDialog, _ url: String, tag: String = "f") async throws -> String? {
        let lines = try await dialog.command(tag, "URLFETCH \"\(url)\"")
        #expect(lines.last == "\(tag) OK URLFETCH completed", "\(lines)")
        let head = "* URLFETCH \"\(url)\" "
        let first = try #require(lines.first)
        try #require(first.hasPrefix(head), "\(lines)")
        if first == head + "NIL" { return nil }
        return lines.dropFirst().dropLast().joined(separator: "\r\n")
    }

    @Test func rfcExamples() async throws {
        let (fixture, alice, bob) = try await Self.open()
        defer { withExtendedLifetime(fixture) {} }  // its directory holds the bodies
        #expect(try await alice.command("c", "CAPABILITY").first?.contains(" URLAUTH URLAUTH=BINARY ") == true)
        // §7 GENURLAUTH examples: no access identifier, no owner, then a URL signed.
        #expect(try await alice.command("a775", "GENURLAUTH \"\(Self.owner)/INBOX/;uid=20/;section=1.2\" INTERNAL")
                == ["a775 BAD missing access identifier in supplied URL"])
        #expect(try await alice.command("a776", "GENURLAUTH \"imap://mail.example.test/Shared/;uid=20/;section=1.2;urlauth=submit+fred\" INTERNAL")
                == ["a776 BAD missing owner username in supplied URL"])
        let rump = "\(Self.owner)/INBOX/;uid=20/;section=1.2;urlauth=submit+fred"
        let submit = try await Self.sign(alice, rump, tag: "a777")
        #expect(submit.hasPrefix(rump + ":internal:") && submit.count == rump.count + 10 + 42, "\(submit)")
        // §8's URLFETCH comes from a submit server; no session here is one (no BURL), so NIL.
        #expect(try await Self.fetch(bob, submit, tag: "a002") == nil)
        // The same with user+bob, which bob's session meets: §8's answer.
        let url = try await Self.sign(alice, "\(Self.owner)/INBOX/;uid=20/;section=1.2;urlauth=user+bob%40example.test")
        #expect(try await bob.command("a003", "URLFETCH \"\(url)\"")
                == ["* URLFETCH \"\(url)\" {28}", "Si vis pacem, para bellum.", "", "a003 OK URLFETCH completed"])
        // §7 RESETKEY examples.
        #expect(try await alice.command("a31", "RESETKEY") == ["a31 OK All keys removed"])
        #expect(try await alice.command("a32", "RESETKEY INBOX") == ["a32 OK [URLMECH INTERNAL] RESETKEY completed"])
        #expect(try await alice.command("a33", "RESETKEY INBOX XSAMPLE") == ["a33 BAD unknown URLAUTH mechanism XSAMPLE"])
        #expect(try await bob.command("a004", "URLFETCH \"\(url)\"") == ["* URLFETCH \"\(url)\" NIL", "a004 OK URLFETCH completed"],
                "RESETKEY revoked it")
    }

    @Test func everyCheckGivesNIL() async throws {
        let (fixture, alice, bob) = try await Self.open()
        defer { withExtendedLifetime(fixture) {} }  // its directory holds the bodies
        let base = "\(Self.owner)/INBOX;UIDVALIDITY="
        let anonymous = try await Self.sign(alice, "\(Self.owner)/INBOX/;UID=20/;SECTION=1.2;URLAUTH=anonymous")
        let authuser = try await Self.sign(alice, "\(Self.owner)/INBOX/;UID=1;URLAUTH=authuser")
        let onlyAlice = try await Self.sign(alice, "\(Self.owner)/INBOX/;UID=20/;SECTION=1.2;URLAUTH=user+alice%40example.test")
        #expect(try await Self.fetch(bob, anonymous) == "Si vis pacem, para bellum.\r\n")
        #expect(try await Self.fetch(bob, authuser) == "Subject: filler 1\r\n\r\nbody 1\r\n")
        #expect(try await Self.fetch(bob, onlyAlice) == nil, "user+alice is not bob")
        #expect(try await Self.fetch(alice, onlyAlice) == "Si vis pacem, para bellum.\r\n")
        // The token: one digit changed, or the URL changed under it, is NIL; hex digits in either case.
        let flipped = String(anonymous.dropLast()) + (anonymous.last == "0" ? "1" : "0")
        #expect(try await Self.fetch(bob, flipped) == nil)
        #expect(try await Self.fetch(bob, anonymous.replacingOccurrences(of: "UID=20", with: "UID=19")) == nil)
        #expect(try await Self.fetch(bob, anonymous.replacingOccurrences(of: "INBOX", with: "inbox")) == nil, "§6: no case folding")
        let tail = anonymous.split(separator: ":").last!
        #expect(try await Self.fetch(bob, anonymous.replacingOccurrences(of: tail, with: tail.uppercased())) == "Si vis pacem, para bellum.\r\n")
        #expect(try await Self.fetch(bob, anonymous.replacingOccurrences(of: ":internal:", with: ":XSAMPLE:")) == nil)
        // EXPIRE: past is NIL, future works, a bad date-time is BAD at GENURLAUTH.
        let expired = try await Self.sign(alice, "\(Self.owner)/INBOX/;UID=1;EXPIRE=2020-01-01T00:00:00Z;URLAUTH=anonymous")
        #expect(try await Self.fetch(bob, expired) == nil)
        let later = try await Self.sign(alice, "\(Self.owner)/INBOX/;UID=1;EXPIRE=2999-12-31T23:59:59.5+09:00;URLAUTH=anonymous")
        #expect(try await Self.fetch(bob, later) == "Subject: filler 1\r\n\r\nbody 1\r\n")
        #expect(try await alice.command("e", "GENURLAUTH \"\(Self.owner)/INBOX/;UID=1;EXPIRE=2020-02-30T00:00:00Z;URLAUTH=anonymous\" INTERNAL").last?
                .hasPrefix("e BAD ") == true)
        // UIDVALIDITY: the right one works, another is NIL; a message not there is NIL.
        let status = try await alice.command("s", "STATUS INBOX (UIDVALIDITY)")
        let validity = try #require(status.first?.split(separator: " ").last?.dropLast().description).flatMap { UInt32($0) }
        let other = validity.map { $0 == 1 ? 2 : $0 - 1 } ?? 1
        #expect(try await Self.fetch(bob, try await Self.sign(alice, "\(base)\(validity ?? 0)/;UID=1;URLAUTH=anonymous")) != nil)
        #expect(try await Self.fetch(bob, try await Self.sign(alice, "\(base)\(other)/;UID=1;URLAUTH=anonymous")) == nil)
        #expect(try await Self.fetch(bob, try await Self.sign(alice, "\(Self.owner)/INBOX/;UID=21;URLAUTH=anonymous")) == nil)
        // Not URLAUTH URLs at all: NIL, not an error (§7).
        for other in ["/INBOX/;UID=1", "\(Self.owner)/INBOX", "imap://example.test/", "junk", "\(Self.owner)/INBOX/;UID=1;URLAUTH=anonymous"] {
            #expect(try await Self.fetch(bob, other) == nil, "\(other)")
        }
        // RESETKEY of another mailbox leaves INBOX's URLs working; RESETKEY of INBOX ends them.
        _ = try await alice.command("c", "CREATE Work")
        #expect(try await alice.command("r1", "RESETKEY Work INTERNAL") == ["r1 OK [URLMECH INTERNAL] RESETKEY completed"])
        #expect(try await Self.fetch(bob, anonymous) != nil)
        #expect(try await alice.command("r2", "RESETKEY Nowhere") == ["r2 NO [NONEXISTENT] no such mailbox"])
        #expect(try await alice.command("r3", "RESETKEY INBOX") == ["r3 OK [URLMECH INTERNAL] RESETKEY completed"])
        #expect(try await Self.fetch(bob, anonymous) == nil)
        #expect(try await Self.fetch(bob, authuser) == nil)
        let again = try await Self.sign(alice, "\(Self.owner)/INBOX/;UID=20/;SECTION=1.2;URLAUTH=anonymous")
        #expect(again != anonymous, "a new key signs differently")
        #expect(try await Self.fetch(bob, again) == "Si vis pacem, para bellum.\r\n")
    }

    @Test func refusals() async throws {
        let (fixture, alice, bob) = try await Self.open(maxURLs: 2)
        defer { withExtendedLifetime(fixture) {} }
        let rump = "\(Self.owner)/INBOX/;UID=1;URLAUTH=anonymous"
        #expect(try await alice.command("a", "GENURLAUTH \"imap://bob%40example.test@mail.example.test/INBOX/;UID=1;URLAUTH=anonymous\" INTERNAL")
                == ["a BAD the URL's user must be the one logged in"])
        #expect(try await alice.command("b", "GENURLAUTH \"\(Self.owner)/Nowhere/;UID=1;URLAUTH=anonymous\" INTERNAL")
                == ["b BAD no mailbox Nowhere here"])
        #expect(try await alice.command("c", "GENURLAUTH \"\(rump)\" XSAMPLE") == ["c BAD unknown URLAUTH mechanism XSAMPLE"])
        #expect(try await alice.command("d", "GENURLAUTH \"\(rump):internal:0123456789abcdef0123456789abcdef\" INTERNAL").last?
                .hasPrefix("d BAD ") == true, "a full URL is no rump")
        #expect(try await alice.command("e", "GENURLAUTH \"\(Self.owner)/INBOX;URLAUTH=anonymous\" INTERNAL").last?
                .hasPrefix("e BAD ") == true, "§3: not for a whole mailbox")
        let long = "\(Self.owner)/\(String(repeating: "x", count: 512))/;UID=1;URLAUTH=anonymous"
        #expect(try await alice.command("f", "GENURLAUTH \"\(long)\" INTERNAL") == ["f BAD URL longer than 512 octets"])
        // Ordinary syntax errors are BAD, and the session goes on.
        #expect(try await bob.command("g", "URLFETCH").last?.hasPrefix("g BAD ") == true)
        #expect(try await bob.command("h", "URLFETCH (\"x\" FOO)").last?.hasPrefix("h BAD ") == true)
        #expect(try await bob.command("i", "URLFETCH (\"x\" BINARY BODY)").last?.hasPrefix("i BAD ") == true)
        #expect(try await bob.command("j", "URLFETCH (\"x\" BODY BODY)").last?.hasPrefix("j BAD ") == true)
        #expect(try await alice.command("k", "GENURLAUTH \"\(rump)\"").last?.hasPrefix("k BAD ") == true)
        #expect(try await alice.command("l", "RESETKEY INBOX INTERNAL!").last?.hasPrefix("l BAD ") == true)
        #expect(try await bob.command("m", "URLFETCH \"a\" \"b\" \"c\"") == ["m BAD [LIMIT] too many URLs; the limit is 2 per command"])
        #expect(try await bob.command("n", "URLFETCH \"a\" (\"b\")") == ["* URLFETCH \"a\" NIL \"b\" NIL", "n OK URLFETCH completed"])
        #expect(try await bob.command("o", "NOOP") == ["o OK NOOP completed"])
        // Before login: not yet.
        let (fresh, _) = try await ChannelDialog.imap(fixture)
        #expect(try await fresh.command("p", "URLFETCH \"a\"") == ["p NO URLFETCH needs an authenticated session; log in first"])
    }

    /// RFC 5524: the extended URLFETCH with BODYPARTSTRUCTURE, BODY and BINARY (literal8 when
    /// the data has NUL), one parenthesized element per item, in the order asked.
    @Test func binaryExtension() async throws {
        let (fixture, alice, bob) = try await Self.open()
        defer { withExtendedLifetime(fixture) {} }  // its directory holds the bodies
        let text = try await Self.sign(alice, "\(Self.owner)/INBOX/;UID=20/;SECTION=1.2;URLAUTH=anonymous")
        #expect(try await bob.command("a", "URLFETCH (\"\(text)\" BODYPARTSTRUCTURE)")
                == ["* URLFETCH \"\(text)\" (BODYPARTSTRUCTURE (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 28 1 NIL NIL NIL NIL))",
                    "a OK URLFETCH completed"])
        #expect(try await bob.command("b", "URLFETCH (\"\(text)\" BODY)")
                == ["* URLFETCH \"\(text)\" (BODY {28}", "Si vis pacem, para bellum.", ")", "b OK URLFETCH completed"])
        #expect(try await bob.command("c", "URLFETCH (\"\(text)\")") == ["* URLFETCH \"\(text)\" {28}", "Si vis pacem, para bellum.", "", "c OK URLFETCH completed"],
                "no parameters: as RFC 4467")
        let binary = try await Self.sign(alice, "\(Self.owner)/INBOX/;UID=20/;SECTION=2;URLAUTH=anonymous")
        try await bob.send("d URLFETCH (\"\(binary)\" BINARY BODYPARTSTRUCTURE) \"\(binary)\"\r\n")
        let lines = try await bob.tagged("d")
        #expect(lines == ["* URLFETCH \"\(binary)\" (BINARY ~{8}", "\0\u{1}\u{2}\u{3}\0bin) (BODYPARTSTRUCTURE (\"application\" \"octet-stream\" NIL NIL NIL \"BINARY\" 8 NIL NIL NIL NIL)) \"\(binary)\" {12}",
                          "AAECAwBiaW4=", "d OK URLFETCH completed"])
        // A partial applies to the decoded octets; the message as a whole; a section that is
        // not a part has no structure (NIL).
        let partial = try await Self.sign(alice, "\(Self.owner)/INBOX/;UID=20/;SECTION=2/;PARTIAL=5.3;URLAUTH=anonymous")
        #expect(try await bob.command("e", "URLFETCH (\"\(partial)\" BINARY)") == ["* URLFETCH \"\(partial)\" (BINARY {3}", "bin)", "e OK URLFETCH completed"])
        let header = try await Self.sign(alice, "\(Self.owner)/INBOX/;UID=1/;SECTION=HEADER;URLAUTH=anonymous")
        #expect(try await bob.command("f", "URLFETCH (\"\(header)\" BODYPARTSTRUCTURE)") == ["* URLFETCH \"\(header)\" NIL", "f OK URLFETCH completed"])
        #expect(try await bob.command("g", "URLFETCH (\"\(header)\" BINARY)")
                == ["* URLFETCH \"\(header)\" (BINARY {21}", "Subject: filler 1", "", ")", "g OK URLFETCH completed"])
    }

    /// RFC 4469 §3: CATENATE takes a URLAUTH-authorized URL of another user's message, checked
    /// as URLFETCH checks it; one that fails is `NO [BADURL]`.
    @Test func catenateTakesAuthorizedURLs() async throws {
        let (fixture, alice, bob) = try await Self.open()
        defer { withExtendedLifetime(fixture) {} }
        let url = try await Self.sign(alice, "\(Self.owner)/INBOX/;UID=20/;SECTION=1.2;URLAUTH=user+bob%40example.test")
        let reply = try await bob.command("a", "APPEND INBOX CATENATE (TEXT {18+}\r\nSubject: quote\r\n\r\n URL \"\(url)\")")
        #expect(reply.count == 1 && reply[0].hasPrefix("a OK [APPENDUID "), "\(reply)")
        _ = try await bob.command("s", "SELECT INBOX")
        #expect(try await bob.command("f", "FETCH 1 BODY.PEEK[]")
                == ["* 1 FETCH (BODY[] {46}", "Subject: quote", "", "Si vis pacem, para bellum.", ")", "f OK FETCH completed"])
        let bad = String(url.dropLast()) + (url.last == "0" ? "1" : "0")
        #expect(try await bob.command("b", "APPEND INBOX CATENATE (URL \"\(bad)\")")
                == ["b NO [BADURL \(bad)] CATENATE URL names no message or part of it here"])
        #expect(try await alice.command("c", "APPEND INBOX CATENATE (URL \"\(url)\")")
                == ["c NO [BADURL \(url)] CATENATE URL names no message or part of it here"], "user+bob is not alice")
    }
}
