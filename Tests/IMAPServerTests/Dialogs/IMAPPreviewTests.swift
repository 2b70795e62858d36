import Foundation
import HatoTesting
import Testing

/// FETCH PREVIEW (RFC 8970): as dialogs for the exact responses and through imapclient.
@Suite struct IMAPPreviewTests {
    static let messages = [
        "From: a@example.test\r\nSubject: one\r\n\r\n  Hello,\r\n\r\nsee you  at ten.\r\n",
        // Japanese in ISO-2022-JP, base64: "お疲れさまです。　明日の会議は\n\n１０時からです。"
        "From: b@example.test\r\nSubject: two\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\nGyRCJCpIaCRsJDUkXiRHJDkhIyEhTEBGfCROMnE1RCRPGyhCCgobJEIjMSMwO34kKyRpJEckOSEjGyhC\r\n",
        "From: c@example.test\r\nSubject: three\r\nContent-Type: image/png\r\n\r\nxx\r\n",
    ]

    @Test func previewInRev1AndAfterUTF8Accept() async throws {
        let fixture = try await IMAPFixture.make(messages: Self.messages)
        let (dialog, _) = try await ChannelDialog.imap(fixture)
        try await dialog.login()
        _ = try await dialog.command("s", "SELECT INBOX")
        #expect(try await dialog.command("p1", "FETCH 1 (PREVIEW)") == ["* 1 FETCH (PREVIEW \"Hello, see you at ten.\")", "p1 OK FETCH completed"])
        // 8-bit text goes in a literal until the client takes UTF-8 in quoted strings.
        #expect(try await dialog.command("p2", "FETCH 2 (PREVIEW (LAZY))")
                == ["* 2 FETCH (PREVIEW {68}", "お疲れさまです。 明日の会議は １０時からです。)", "p2 OK FETCH completed"])
        #expect(try await dialog.command("p3", "UID FETCH 3 PREVIEW") == ["* 3 FETCH (UID 3 PREVIEW \"\")", "p3 OK UID FETCH completed"])
        // PREVIEW never sets \Seen (it is not a body section).
        let flags = try await dialog.command("p4", "FETCH 1:2 (FLAGS)")
        #expect(flags.count == 3 && !flags.contains { $0.contains("\\Seen") }, "\(flags)")
        _ = try await dialog.command("e", "ENABLE UTF8=ACCEPT")
        #expect(try await dialog.command("p5", "FETCH 2 PREVIEW") == ["* 2 FETCH (PREVIEW \"お疲れさまです。 明日の会議は １０時からです。\")", "p5 OK FETCH completed"])
        let unknown = try await dialog.command("p6", "FETCH 1 (PREVIEW (SOON))")
        #expect(unknown.count == 1 && unknown[0].hasPrefix("p6 BAD "), "\(unknown)")
        try await fixture.store.close()
    }

    @Test(.enabled(if: SortThreadImapclientTests.available || Python.requiredInCI, "imapclient is not installed: pip install imapclient"))
    func previewThroughImapclient() async throws {
        let fixture = try await IMAPFixture.make(messages: Self.messages)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run("""
            import sys
            from imapclient import IMAPClient
            c = IMAPClient("127.0.0.1", port=int(sys.argv[1]), ssl=False)
            c.login(sys.argv[2], sys.argv[3])
            print(b"PREVIEW" in c.capabilities())
            c.select_folder("INBOX", readonly=True)
            for uid, data in sorted(c.fetch([1, 2, 3], ["PREVIEW"]).items()):
                print(uid, data[b"PREVIEW"].decode("utf-8"))
            c.logout()
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.stdout == """
            True
            1 Hello, see you at ten.
            2 お疲れさまです。 明日の会議は １０時からです。
            3 \n
            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }
}
