import Testing
@testable import MailMessage

@Suite struct AddressTests {
    @Test func appendixAForms() {
        let a = AddressParser.parseList("\"Joe Q. Public\" <john.q.public@example.com>, Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>")
        #expect(a.mailboxes.map(\.address) == ["john.q.public@example.com", "mary@x.test", "jdoe@example.org", "one@y.test"])
        #expect(a.mailboxes.map(\.displayName) == ["Joe Q. Public", "Mary Smith", nil, "Who?"])
        let b = AddressParser.parseList("<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>")
        #expect(b.mailboxes.map(\.displayName) == [nil, "Giant; \"Big\" Box"])
    }

    @Test func groups() {
        let list = AddressParser.parseList("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;, last@x.test")
        guard case .group(let g) = list.first else { Issue.record("no group"); return }
        #expect(g.displayName == "A Group")
        #expect(g.members.map(\.address) == ["c@a.test", "joe@where.test", "jdoe@one.test"])
        #expect(list.count == 2)
        #expect(list.mailboxes.last?.address == "last@x.test")
        let empty = AddressParser.parseList("Undisclosed recipients:;")
        #expect(empty == [.group(AddressGroup(displayName: "Undisclosed recipients", members: []))])
    }

    /// RFC 822 §6.1's `user@host (Real Name)`: the comment after a nameless mailbox names it
    /// (encoded-words decoded, raw kept for IMAP); a comment inside the address or after a
    /// named one does not.
    @Test func commentNames() {
        let list = AddressParser.parseList("gray@cac.washington.edu (Terry Gray), <KLENSIN@MIT.EDU> (John Klensin), "
            + "e@f.example (=?UTF-8?B?5bGx55Sw?=), Pete <p@x.test> (not a name), q(local)@y.test, r@z.test ()")
        #expect(list.mailboxes.map(\.displayName) == ["Terry Gray", "John Klensin", "山田", "Pete", nil, nil])
        #expect(list.mailboxes.map(\.rawDisplayName) == ["Terry Gray", "John Klensin", "=?UTF-8?B?5bGx55Sw?=", "Pete", nil, nil])
        #expect(list.mailboxes.map(\.address) == ["gray@cac.washington.edu", "KLENSIN@MIT.EDU", "e@f.example", "p@x.test", "q@y.test", "r@z.test"])
    }

    @Test func obsoleteForms() {
        // comments everywhere, obs-route, CFWS around dots (RFC 5322 §4.4, Appendix A.6)
        let pete = AddressParser.parseList("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>")
        #expect(pete.mailboxes.first?.address == "pete@silly.test")
        #expect(pete.mailboxes.first?.displayName == "Pete")
        let routed = AddressParser.parseList("Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example")
        #expect(routed.mailboxes.first?.route == ["node.test"])
        #expect(routed.mailboxes.map(\.address) == ["mary@example.net", "jdoe@test.example"])
        let dotted = AddressParser.parseList("John Q. Public <jqp@example.com>")
        #expect(dotted.mailboxes.first?.displayName == "John Q. Public")
    }

    @Test func brokenSenders() {
        // missing angle brackets, missing ">", no domain, quoted local part, 8-bit UTF-8 names
        let noBrackets = AddressParser.parseList("John Smith john@example.com")
        #expect(noBrackets.mailboxes.first?.address == "john@example.com")
        #expect(noBrackets.mailboxes.first?.displayName == "John Smith")
        let unclosed = AddressParser.parseList("Ann <ann@example.com, bob@example.com")
        #expect(unclosed.mailboxes.map(\.address) == ["ann@example.com", "bob@example.com"])
        let noDomain = AddressParser.parseList("MAILER-DAEMON")
        #expect(noDomain.mailboxes.first?.domain == nil)
        let quoted = AddressParser.parseList("\"john doe\"@example.com")
        #expect(quoted.mailboxes.first?.localPart == "john doe")
        #expect(quoted.mailboxes.first?.address == "\"john doe\"@example.com")
        let utf8 = AddressParser.parseList("山田 <山田@例え.jp>")
        #expect(utf8.mailboxes.first?.displayName == "山田")
        #expect(utf8.mailboxes.first?.address == "山田@例え.jp")
        #expect(AddressParser.parseList("").isEmpty)
        #expect(AddressParser.parseList(",,;<>").mailboxes.allSatisfy { $0.domain == nil })
    }

    @Test func mailboxFromString() {
        let m = Mailbox(displayName: "X", address: "a.b@example.com")
        #expect(m.localPart == "a.b" && m.domain == "example.com")
        #expect(m.description == "X <a.b@example.com>")
    }
}
