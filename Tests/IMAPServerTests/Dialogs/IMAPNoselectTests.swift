import HatoTesting
import MailStore
import Testing

/// RFC 9051 §6.3.5 (RFC 3501 §6.3.4) DELETE of a mailbox with inferior hierarchical names: the
/// mailbox and its messages go, the name stays as a `\Noselect` placeholder while names below
/// it exist (the MAY of §6.3.5), with the RFC's own examples (delimiter "/" here). Placeholders
/// are not stored, so deleting the last name below one removes it too (as Dovecot does): where
/// the RFC's first example keeps "foo" after A685, this server does not.
@Suite struct IMAPNoselectTests {
    static func open() async throws -> (IMAPFixture, ChannelDialog) {
        let fixture = try await IMAPFixture.make()
        let (dialog, _) = try await ChannelDialog.imap(fixture)
        try await dialog.login()
        return (fixture, dialog)
    }

    static func list(_ dialog: ChannelDialog, _ tag: String, _ pattern: String = "*") async throws -> [String] {
        IMAPListSubscribedTests.exampleLines(try await dialog.command(tag, "LIST \"\" \"\(pattern)\""))
    }

    /// §6.3.5's first example: DELETE of the \Noselect name with inferiors is refused.
    @Test func firstExample() async throws {
        let (fixture, dialog) = try await Self.open()
        _ = try await dialog.command("c1", "CREATE blurdybloop")
        _ = try await dialog.command("c2", "CREATE foo/bar")
        _ = try await dialog.command("c3", "APPEND foo {18+}\r\nSubject: x\r\n\r\nbody")
        let before = try await fixture.store.mailbox(of: fixture.account.id, named: "foo")!
        #expect(try await dialog.command("d0", "DELETE foo") == ["d0 OK DELETE completed"], "the MAY of §6.3.5")
        #expect(try await Self.list(dialog, "A682") == [
            "* LIST (\\HasNoChildren) \"/\" blurdybloop",
            "* LIST (\\Noselect \\HasChildren) \"/\" foo",
            "* LIST (\\HasNoChildren) \"/\" foo/bar",
            "A682 OK LIST completed",
        ])
        #expect(try await dialog.command("A683", "DELETE blurdybloop") == ["A683 OK DELETE completed"])
        #expect(try await dialog.command("A684", "DELETE foo") == ["A684 NO [HASCHILDREN] delete the mailboxes below it first"])
        // The placeholder is no mailbox: SELECT, STATUS and APPEND say so.
        #expect(try await dialog.command("s1", "SELECT foo") == ["s1 NO [NONEXISTENT] no such mailbox"])
        #expect(try await dialog.command("s2", "STATUS foo (MESSAGES)") == ["s2 NO [NONEXISTENT] no such mailbox"])
        #expect(try await dialog.command("s3", "APPEND foo {18+}\r\nSubject: x\r\n\r\nbody") == ["s3 NO [TRYCREATE] no such mailbox"])
        #expect(try await fixture.store.mailbox(id: before.id) == nil, "its messages went with it")
        #expect(try await dialog.command("A685", "DELETE foo/bar") == ["A685 OK DELETE completed"])
        // Nothing is below "foo" any more: the placeholder went with its last inferior.
        #expect(try await Self.list(dialog, "A686") == ["A686 OK LIST completed"])
        #expect(try await dialog.command("A687", "DELETE foo") == ["A687 NO [NONEXISTENT] no such mailbox"])
        try await fixture.store.close()
    }

    /// §6.3.5's second example ("." there, "/" here), then CREATE of the placeholder.
    @Test func secondExampleAndCreateAgain() async throws {
        let (fixture, dialog) = try await Self.open()
        _ = try await dialog.command("c1", "CREATE blurdybloop")
        _ = try await dialog.command("c2", "CREATE foo")
        _ = try await dialog.command("c3", "CREATE foo/bar")
        _ = try await dialog.command("c4", "APPEND foo {18+}\r\nSubject: x\r\n\r\nbody")
        #expect(try await Self.list(dialog, "A82") == [
            "* LIST (\\HasNoChildren) \"/\" blurdybloop",
            "* LIST (\\HasChildren) \"/\" foo",
            "* LIST (\\HasNoChildren) \"/\" foo/bar",
            "A82 OK LIST completed",
        ])
        let old = try await fixture.store.mailbox(of: fixture.account.id, named: "foo")!
        #expect(try await dialog.command("A83", "DELETE blurdybloop") == ["A83 OK DELETE completed"])
        #expect(try await dialog.command("A84", "DELETE foo") == ["A84 OK DELETE completed"])
        #expect(try await Self.list(dialog, "A85") == [
            "* LIST (\\Noselect \\HasChildren) \"/\" foo",
            "* LIST (\\HasNoChildren) \"/\" foo/bar",
            "A85 OK LIST completed",
        ])
        #expect(try await Self.list(dialog, "A86", "%") == ["* LIST (\\Noselect \\HasChildren) \"/\" foo", "A86 OK LIST completed"])
        // A new mailbox below the placeholder leaves it one.
        #expect(try await dialog.command("c5", "CREATE foo/baz").last?.hasPrefix("c5 OK") == true)
        #expect(try await Self.list(dialog, "l1", "foo") == ["* LIST (\\Noselect \\HasChildren) \"/\" foo", "l1 OK LIST completed"])
        // CREATE makes it a mailbox again: empty, with a new UIDVALIDITY (§6.3.5: no UID reused).
        #expect(try await dialog.command("c6", "CREATE foo").last?.hasPrefix("c6 OK [MAILBOXID (") == true)
        #expect(try await Self.list(dialog, "l2", "foo") == ["* LIST (\\HasChildren) \"/\" foo", "l2 OK LIST completed"])
        let new = try await fixture.store.mailbox(of: fixture.account.id, named: "foo")!
        #expect(new.uidValidity != old.uidValidity)
        #expect(try await dialog.command("s1", "STATUS foo (MESSAGES)") == ["* STATUS foo (MESSAGES 0)", "s1 OK STATUS completed"])
        #expect(try await dialog.command("s2", "SELECT foo").last == "s2 OK [READ-WRITE] SELECT completed")
        try await fixture.store.close()
    }

    /// RENAME of a placeholder renames the names below it (§6.3.6); LIST (SUBSCRIBED) and LSUB
    /// keep their RFC 5258 / RFC 3501 forms for it.
    @Test func renameAndSubscriptionsOfAPlaceholder() async throws {
        let (fixture, dialog) = try await Self.open()
        _ = try await dialog.command("c1", "CREATE foo/a/b")
        _ = try await dialog.command("c2", "CREATE foo/c")
        _ = try await dialog.command("c3", "SUBSCRIBE foo")
        #expect(try await dialog.command("d1", "DELETE foo") == ["d1 OK DELETE completed"])
        #expect(try await dialog.command("d2", "DELETE foo/a") == ["d2 OK DELETE completed"])
        #expect(IMAPListSubscribedTests.exampleLines(try await dialog.command("l1", "LSUB \"\" foo"))
                == ["* LSUB (\\Noselect) \"/\" foo", "l1 OK LSUB completed"])
        #expect(IMAPListSubscribedTests.exampleLines(try await dialog.command("l2", "LIST (SUBSCRIBED) \"\" foo"))
                == ["* LIST (\\NonExistent \\Subscribed) \"/\" foo", "l2 OK LIST completed"])
        #expect(try await dialog.command("r0", "RENAME nope bar") == ["r0 NO [NONEXISTENT] no such mailbox"])
        #expect(try await dialog.command("r1", "RENAME foo bar") == ["r1 OK RENAME completed"])
        #expect(try await Self.list(dialog, "l3") == [
            "* LIST (\\Noselect \\HasChildren) \"/\" bar",
            "* LIST (\\Noselect \\HasChildren) \"/\" bar/a",
            "* LIST (\\HasNoChildren) \"/\" bar/a/b",
            "* LIST (\\HasNoChildren) \"/\" bar/c",
            "l3 OK LIST completed",
        ])
        _ = try await dialog.command("c4", "CREATE baz/c")
        #expect(try await dialog.command("r2", "RENAME bar baz") == ["r2 NO [ALREADYEXISTS] target mailbox already exists"])
        #expect(try await Self.list(dialog, "l4", "bar/%").count == 3, "nothing moved")
        try await fixture.store.close()
    }
}
