import HatoTesting
import IMAPProtocol
import MailStore
import Testing

/// RFC 7888: LITERAL+ by default, LITERAL- on request (`limits.imap_literal_minus`), and every
/// refused non-synchronizing literal read, skipped and answered while the session goes on.
@Suite struct IMAPLiteralPlusTests {
    static let message = "Subject: plus\r\n\r\n" + String(repeating: "0123456789abcdef", count: 1_250) + "\r\n"

    /// RFC 7888 §3's own example: the client sends the whole command without waiting, and no
    /// continuation request comes between its parts. Then a login and a 20 KB APPEND the same way.
    @Test func literalPlusIsAdvertisedAndTheRFCExampleNeedsNoContinuation() async throws {
        let fixture = try await IMAPFixture.make()
        let (dialog, greeting) = try await ChannelDialog.imap(fixture)
        #expect(greeting.hasPrefix("* OK [CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE "), "\(greeting)")
        try await dialog.send("A001 LOGIN {11+}\r\nFRED FOOBAR {7+}\r\nfat man\r\n")
        #expect(try await dialog.tagged("A001") == ["A001 NO [AUTHENTICATIONFAILED] Authentication failed"])
        let user = IMAPFixture.user, password = IMAPFixture.password
        try await dialog.send("a2 LOGIN {\(user.utf8.count)+}\r\n\(user) {\(password.utf8.count)+}\r\n\(password)\r\n")
        let login = try await dialog.tagged("a2")
        #expect(login.count == 1 && login[0].hasPrefix("a2 OK [CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR "), "\(login)")
        #expect(!login[0].contains("LITERAL-"), "RFC 7888 §5: never both")
        try await dialog.send("a3 APPEND INBOX (\\Seen) {\(Self.message.utf8.count)+}\r\n\(Self.message)\r\n")
        #expect(try await dialog.tagged("a3").last?.hasSuffix("] APPEND completed") == true)
        #expect(try await dialog.command("a4", "STATUS INBOX (MESSAGES SIZE)")
                == ["* STATUS INBOX (MESSAGES 1 SIZE \(Self.message.utf8.count))", "a4 OK STATUS completed"])
        try await fixture.store.close()
    }

    /// An APPEND whose non-synchronizing literal is over the message size limit: its octets are
    /// read and dropped, `NO [TOOBIG]`, and the session goes on (RFC 7888 §4, RFC 4469); whole
    /// and one byte per read. The same for the account quota (`NO [OVERQUOTA]`, RFC 9208).
    @Test func oversizeNonSynchronizingAppendIsSkippedWithNoTOOBIG() async throws {
        for drip in [false, true] {
            let fixture = try await IMAPFixture.make(quota: Quota(maxBytes: 1_500), maxMessageSize: 2_000)
            let (dialog, _) = try await ChannelDialog.imap(fixture)
            try await dialog.login()
            let big = String(repeating: "x", count: 3_000), medium = String(repeating: "y", count: 1_600)
            let input = "a1 APPEND INBOX {3000+}\r\n\(big)\r\na2 NOOP\r\n"
                + "a3 APPEND INBOX {1600+}\r\n\(medium)\r\na4 NOOP\r\n"
                + "a5 APPEND INBOX {4+}\r\nabcd {3000+}\r\n\(big) (\\Seen) {4+}\r\nefgh\r\na6 NOOP\r\n"
            if drip { try await dialog.drip(input) } else { try await dialog.send(input) }
            #expect(try await dialog.tagged("a6") == [
                "a1 NO [TOOBIG] literal larger than the limit of 2000 octets",
                "a2 OK NOOP completed",
                "a3 NO [OVERQUOTA] the message would exceed your quota",
                "a4 OK NOOP completed",
                "a5 NO [TOOBIG] literal larger than the limit of 2000 octets",
                "a6 OK NOOP completed",
            ])
            #expect(try await dialog.command("a7", "STATUS INBOX (MESSAGES)") == ["* STATUS INBOX (MESSAGES 0)", "a7 OK STATUS completed"])
            try await fixture.store.close()
        }
    }

    /// Literals of other commands stay small (64 KiB) whatever their form; before login an
    /// APPEND literal is refused, and a whole command is at most
    /// `limits.imap_unauthenticated_command_size` (64 KiB). The octets are skipped each time.
    @Test func otherLiteralsAndInputBeforeLoginStayBounded() async throws {
        let fixture = try await IMAPFixture.make()
        let (dialog, _) = try await ChannelDialog.imap(fixture)
        let huge = String(repeating: "z", count: 70_000)
        try await dialog.send("p1 APPEND INBOX {10+}\r\n0123456789\r\np2 LOGIN {70000+}\r\n\(huge) {2+}\r\npw\r\np3 NOOP\r\n")
        #expect(try await dialog.tagged("p3") == [
            "p1 NO APPEND needs an authenticated session; log in first",
            "p2 BAD [LIMIT] command larger than 65536 octets before login",
            "p3 OK NOOP completed",
        ])
        try await dialog.login()
        try await dialog.send("a1 SEARCH TEXT {70000+}\r\n\(huge)\r\na2 NOOP\r\n")
        #expect(try await dialog.tagged("a2") == ["a1 BAD [TOOBIG] literal too large for this command", "a2 OK NOOP completed"])
        try await fixture.store.close()
    }

    /// `limits.imap_literal_minus = true`: LITERAL- instead, non-synchronizing literals up to 4096
    /// octets; a larger one gets `BAD [TOOBIG]` naming that bound (RFC 7888 §5) and is skipped.
    @Test func literalMinusOnRequest() async throws {
        var limits = IMAPLimits()
        limits.maxNonSynchronizingLiteralSize = IMAPLimits.literalMinusMaximum
        let fixture = try await IMAPFixture.make(limits: limits)
        let (dialog, greeting) = try await ChannelDialog.imap(fixture)
        #expect(greeting.contains(" LITERAL- ") && !greeting.contains("LITERAL+"), "\(greeting)")
        try await dialog.login()
        let small = String(repeating: "s", count: 4_000), large = String(repeating: "l", count: 5_000)
        try await dialog.send("a1 APPEND INBOX {4000+}\r\n\(small)\r\na2 APPEND INBOX {5000+}\r\n\(large)\r\na3 NOOP\r\n")
        let replies = try await dialog.tagged("a3")
        #expect(replies.count == 3 && replies[0].hasSuffix("] APPEND completed"), "\(replies)")
        #expect(replies.dropFirst() == [
            "a2 BAD [TOOBIG] non-synchronizing literal larger than 4096 octets (LITERAL-); send it as a synchronizing literal",
            "a3 OK NOOP completed",
        ])
        try await fixture.store.close()
    }
}
