import HatoTesting
import MailStore
import Testing

/// LSUB (RFC 3501 §6.3.9) and LIST (SUBSCRIBED RECURSIVEMATCH) (RFC 5258 §3.5) with subscribed
/// names below parents that are not subscribed or do not exist, with the RFCs' own examples
/// (the delimiter here is "/").
@Suite struct IMAPListSubscribedTests {
    /// Every account starts with INBOX and the special-use mailboxes subscribed; the examples
    /// are about the other names.
    static func exampleLines(_ lines: [String]) -> [String] {
        let defaults = [Mailbox.inbox] + SpecialUse.defaultMailboxes.map(\.name)
        return lines.filter { line in !defaults.contains { line.hasSuffix("\"/\" \($0)") } }
    }

    static func setUp(mailboxes: [String], subscribed: [String]) async throws -> (IMAPFixture, ChannelDialog) {
        let fixture = try await IMAPFixture.make()
        // Through the store: a mailbox can exist without its parent (RFC 5258 §3.5's note).
        for name in mailboxes { try await fixture.store.createMailbox(of: fixture.account.id, named: name, specialUse: nil) }
        for name in subscribed { try await fixture.store.setSubscribed(true, account: fixture.account.id, name: name) }
        let (dialog, _) = try await ChannelDialog.imap(fixture)
        try await dialog.login()
        return (fixture, dialog)
    }

    /// RFC 5258 §5 example 8 A, A1 and A2, with the LSUB answers RFC 3501 §6.3.9 asks for.
    @Test func example8ParentsOfSubscribedMailboxes() async throws {
        // A: only Foo/Baz is subscribed.
        var (fixture, dialog) = try await Self.setUp(mailboxes: ["Foo", "Foo/Bar", "Foo/Baz", "Moo"], subscribed: ["Foo/Baz"])
        var lines = Self.exampleLines(try await dialog.command("C02", "LIST (SUBSCRIBED) \"\" \"*\""))
        #expect(lines == ["* LIST (\\HasNoChildren \\Subscribed) \"/\" Foo/Baz", "C02 OK LIST completed"])
        lines = Self.exampleLines(try await dialog.command("C03", "LIST (SUBSCRIBED) \"\" \"%\""))
        #expect(lines == ["C03 OK LIST completed"])
        lines = Self.exampleLines(try await dialog.command("C04", "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\""))
        #expect(lines == ["* LIST (\\HasChildren) \"/\" Foo (\"CHILDINFO\" (\"SUBSCRIBED\"))", "C04 OK LIST completed"])
        lines = Self.exampleLines(try await dialog.command("L1", "LSUB \"\" \"%\""))
        #expect(lines == ["* LSUB (\\Noselect) \"/\" Foo", "L1 OK LSUB completed"])
        // A1: Foo subscribed as well.
        _ = try await dialog.command("S1", "SUBSCRIBE Foo")
        lines = Self.exampleLines(try await dialog.command("C05", "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\""))
        #expect(lines == ["* LIST (\\HasChildren \\Subscribed) \"/\" Foo (\"CHILDINFO\" (\"SUBSCRIBED\"))", "C05 OK LIST completed"])
        lines = Self.exampleLines(try await dialog.command("L2", "LSUB \"\" \"%\""))
        #expect(lines == ["* LSUB () \"/\" Foo", "L2 OK LSUB completed"])
        try await fixture.store.close()

        // A2: Foo does not exist and is not subscribed.
        (fixture, dialog) = try await Self.setUp(mailboxes: ["Foo/Bar", "Foo/Baz", "Moo"], subscribed: ["Foo/Baz"])
        lines = Self.exampleLines(try await dialog.command("C06", "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\""))
        #expect(lines == ["* LIST (\\NonExistent) \"/\" Foo (\"CHILDINFO\" (\"SUBSCRIBED\"))", "C06 OK LIST completed"])
        lines = Self.exampleLines(try await dialog.command("L3", "LSUB \"\" \"%\""))
        #expect(lines == ["* LSUB (\\Noselect) \"/\" Foo", "L3 OK LSUB completed"])
        // A subscribed name that does not exist at all (RFC 3501 §6.3.9: never dropped).
        _ = try await dialog.command("S2", "SUBSCRIBE Gone/Away")
        lines = Self.exampleLines(try await dialog.command("C07", "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"*\""))
        // Every subscribed name matches "*": no parent is listed for CHILDINFO alone (§3.5 SHOULD).
        #expect(lines == [
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" Foo/Baz",
            "* LIST (\\NonExistent \\Subscribed) \"/\" Gone/Away",
            "C07 OK LIST completed",
        ])
        lines = Self.exampleLines(try await dialog.command("L4", "LSUB \"\" \"*\""))
        #expect(lines == ["* LSUB () \"/\" Foo/Baz", "* LSUB (\\Noselect) \"/\" Gone/Away", "L4 OK LSUB completed"])
        lines = Self.exampleLines(try await dialog.command("L5", "LSUB \"\" \"%\""))
        #expect(lines == ["* LSUB (\\Noselect) \"/\" Foo", "* LSUB (\\Noselect) \"/\" Gone", "L5 OK LSUB completed"])
        try await fixture.store.close()
    }

    /// RFC 5258 §5 example 9 with the pattern "*2": CHILDINFO whether or not the children match,
    /// no redundant parents (baz2, qux2), and eps2 subscribed with a child that does not match.
    @Test func example9ChildInfoWhetherOrNotTheChildrenMatch() async throws {
        let (fixture, dialog) = try await Self.setUp(
            mailboxes: ["foo2", "foo2/bar1", "foo2/bar2", "baz2", "baz2/bar2", "baz2/bar22", "baz2/bar222", "eps2", "eps2/mamba",
                        "qux2/bar2"],
            subscribed: ["foo2/bar1", "foo2/bar2", "baz2/bar2", "baz2/bar22", "baz2/bar222", "eps2", "eps2/mamba", "qux2/bar2"])
        let lines = Self.exampleLines(try await dialog.command("D03", "LIST (RECURSIVEMATCH SUBSCRIBED) \"\" \"*2\""))
        #expect(lines == [
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" baz2/bar2",
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" baz2/bar22",
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" baz2/bar222",
            "* LIST (\\HasChildren \\Subscribed) \"/\" eps2 (\"CHILDINFO\" (\"SUBSCRIBED\"))",
            "* LIST (\\HasChildren) \"/\" foo2 (\"CHILDINFO\" (\"SUBSCRIBED\"))",
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" foo2/bar2",
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" qux2/bar2",
            "D03 OK LIST completed",
        ])
        try await fixture.store.close()
    }

    /// RFC 3501 §6.3.9's LSUB example, with "/" for its ".": a reference and a `%` that stops
    /// above the subscribed names gives their parent with \Noselect.
    @Test func rfc3501LSUBExample() async throws {
        let (fixture, dialog) = try await Self.setUp(
            mailboxes: ["news/comp/mail/mime", "news/comp/mail/misc"], subscribed: ["news/comp/mail/mime", "news/comp/mail/misc"])
        #expect(try await dialog.command("A002", "LSUB \"news/\" \"comp/mail/*\"")
                == ["* LSUB () \"/\" news/comp/mail/mime", "* LSUB () \"/\" news/comp/mail/misc", "A002 OK LSUB completed"])
        #expect(try await dialog.command("A003", "LSUB \"news/\" \"comp/%\"")
                == ["* LSUB (\\Noselect) \"/\" news/comp/mail", "A003 OK LSUB completed"])
        try await fixture.store.close()
    }
}
