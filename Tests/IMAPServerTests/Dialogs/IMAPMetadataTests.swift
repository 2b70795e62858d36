import HatoTesting
import MailStore
import Testing

/// RFC 5464 METADATA and METADATA-SERVER with the RFC's own examples (§4.2-§4.4), then the
/// limits, the BAD cases and what DELETE and RENAME do to entries (§4.1). The fixture allows
/// values of up to 4096 octets.
@Suite struct IMAPMetadataTests {
    static func open(maxEntries: Int = 1_000) async throws -> (IMAPFixture, ChannelDialog) {
        let fixture = try await IMAPFixture.make(metadataMaxEntries: maxEntries)
        let (dialog, _) = try await ChannelDialog.imap(fixture)
        try await dialog.login()
        return (fixture, dialog)
    }

    @Test func rfcExamples() async throws {
        let (fixture, dialog) = try await Self.open()
        let capabilities = try await dialog.command("c0", "CAPABILITY")
        #expect(capabilities.first?.contains(" METADATA METADATA-SERVER ") == true, "\(capabilities)")
        // §4.3, first example: a synchronizing literal with two lines.
        try await dialog.send("a SETMETADATA INBOX (/private/comment {33}\r\n")
        #expect(try await dialog.line() == "+ Ready for literal data")
        try await dialog.send("My new comment across\r\ntwo lines.)\r\n")
        #expect(try await dialog.tagged("a") == ["a OK SETMETADATA completed"])
        #expect(try await dialog.command("b", "GETMETADATA INBOX /private/comment")
                == ["* METADATA INBOX (/private/comment {33}", "My new comment across", "two lines.)", "b OK GETMETADATA completed"])
        // §4.3: NIL removes; several at once.
        #expect(try await dialog.command("c", "SETMETADATA INBOX (/private/comment NIL)") == ["c OK SETMETADATA completed"])
        #expect(try await dialog.command("d", "SETMETADATA INBOX (/private/comment \"My own comment\" /shared/comment \"Shared comment\")")
                == ["d OK SETMETADATA completed"])
        // §4.2 examples: one entry, a list, the server's entries.
        #expect(try await dialog.command("e", "GETMETADATA \"INBOX\" /private/comment")
                == ["* METADATA INBOX (/private/comment \"My own comment\")", "e OK GETMETADATA completed"])
        #expect(try await dialog.command("f", "GETMETADATA \"INBOX\" (/shared/comment /private/comment)")
                == ["* METADATA INBOX (/shared/comment \"Shared comment\" /private/comment \"My own comment\")", "f OK GETMETADATA completed"])
        // §4.4.1 writes the entries without parentheses.
        #expect(try await dialog.command("g", "GETMETADATA \"INBOX\" /private/comment /shared/comment")
                == ["* METADATA INBOX (/private/comment \"My own comment\" /shared/comment \"Shared comment\")", "g OK GETMETADATA completed"])
        #expect(try await dialog.command("h", "SETMETADATA \"\" (/shared/comment \"Shared comment\")") == ["h OK SETMETADATA completed"])
        #expect(try await dialog.command("i", "GETMETADATA \"\" /shared/comment")
                == ["* METADATA \"\" (/shared/comment \"Shared comment\")", "i OK GETMETADATA completed"])
        // §4.2.1 MAXSIZE: a 2199-octet /shared/comment is left out and named in LONGENTRIES.
        let long = String(repeating: "x", count: 2199)
        #expect(try await dialog.command("j", "SETMETADATA INBOX (/shared/comment {2199+}\r\n\(long))") == ["j OK SETMETADATA completed"])
        #expect(try await dialog.command("k", "GETMETADATA \"INBOX\" (MAXSIZE 1024) (/shared/comment /private/comment)")
                == ["* METADATA INBOX (/private/comment \"My own comment\")", "k OK [METADATA LONGENTRIES 2199] GETMETADATA completed"])
        #expect(try await dialog.command("k2", "GETMETADATA INBOX (MAXSIZE 10) /shared/comment")
                == ["k2 OK [METADATA LONGENTRIES 2199] GETMETADATA completed"], "nothing left: no METADATA response")
        // §4.2.2 DEPTH.
        _ = try await dialog.command("l", "SETMETADATA INBOX (/private/filters/values/small \"SMALLER 5000\" /private/filters/values/boss \"FROM \\\"boss@example.com\\\"\" /private/filters/values/boss/deeper \"x\")")
        #expect(try await dialog.command("m", "GETMETADATA \"INBOX\" (DEPTH 1) (/private/filters/values)")
                == ["* METADATA INBOX (/private/filters/values/boss \"FROM \\\"boss@example.com\\\"\" /private/filters/values/small \"SMALLER 5000\")",
                    "m OK GETMETADATA completed"])
        #expect(try await dialog.command("n", "GETMETADATA INBOX (DEPTH infinity) /private/filters")
                == ["* METADATA INBOX (/private/filters/values/boss \"FROM \\\"boss@example.com\\\"\" /private/filters/values/boss/deeper \"x\" /private/filters/values/small \"SMALLER 5000\")",
                    "n OK GETMETADATA completed"])
        #expect(try await dialog.command("o", "GETMETADATA INBOX (DEPTH 0) /private/filters")
                == ["* METADATA INBOX (/private/filters NIL)", "o OK GETMETADATA completed"], "not set, nothing below within DEPTH")
        // Entry names are case-insensitive (§3.2); values of any octets travel as literal8.
        _ = try await dialog.command("p", "SETMETADATA INBOX (/PRIVATE/Vendor/hato/Bin ~{3+}\r\na\0b)")
        #expect(try await dialog.command("q", "GETMETADATA INBOX /private/vendor/hato/bin")
                == ["* METADATA INBOX (/private/vendor/hato/bin ~{3}", "a\0b)", "q OK GETMETADATA completed"])
        try await fixture.store.close()
    }

    @Test func limitsAndRefusals() async throws {
        let (fixture, dialog) = try await Self.open(maxEntries: 3)
        // §4.3 TOOMANY: three entries are allowed per account; a command that would pass it keeps nothing.
        _ = try await dialog.command("a", "SETMETADATA INBOX (/private/a \"1\" /private/b \"2\")")
        #expect(try await dialog.command("b", "SETMETADATA \"\" (/private/c \"3\" /private/d \"4\")")
                == ["b NO [METADATA TOOMANY] too many metadata entries"])
        #expect(try await dialog.command("c", "GETMETADATA \"\" (/private/c /private/d)")
                == ["* METADATA \"\" (/private/c NIL /private/d NIL)", "c OK GETMETADATA completed"])
        #expect(try await dialog.command("d", "SETMETADATA INBOX (/private/a NIL /private/c \"3\" /private/d \"4\")") == ["d OK SETMETADATA completed"])
        // MAXSIZE: refused before a synchronizing literal is sent, and as a quoted string.
        #expect(try await dialog.command("e", "SETMETADATA INBOX (/private/comment {4097}") == ["e NO [METADATA MAXSIZE 4096] metadata value too large"])
        let big = String(repeating: "y", count: 4097)
        #expect(try await dialog.command("f", "SETMETADATA INBOX (/private/comment \"\(big)\")") == ["f NO [METADATA MAXSIZE 4096] metadata value too large"])
        // /shared/admin is read-only (§3.2.1.1).
        #expect(try await dialog.command("g", "SETMETADATA \"\" (/shared/admin \"mailto:me@example.test\")") == ["g NO [NOPERM] /shared/admin is read-only"])
        // §3.2 names: BAD, the session goes on.
        for (n, bad) in ["/private", "/other/comment", "/private//x", "/private/x/", "/private/*", "/shared/vendor/x", "private/comment"].enumerated() {
            let reply = try await dialog.command("h\(n)", "GETMETADATA INBOX \"\(bad)\"")
            #expect(reply.count == 1 && reply[0].hasPrefix("h\(n) BAD "), "\(bad): \(reply)")
        }
        #expect(try await dialog.command("i", "GETMETADATA INBOX (DEPTH 2) /private/a").first?.hasPrefix("i BAD") == true)
        #expect(try await dialog.command("j", "GETMETADATA INBOX (FOO 1) /private/a").first?.hasPrefix("j BAD") == true)
        #expect(try await dialog.command("k", "SETMETADATA INBOX (/private/a {1+}\r\n\0)").first?.hasPrefix("k BAD") == true)
        // §3.3: only mailboxes that exist.
        #expect(try await dialog.command("l", "GETMETADATA Nope /private/a") == ["l NO [NONEXISTENT] no such mailbox"])
        #expect(try await dialog.command("m", "SETMETADATA Nope (/private/a \"1\")") == ["m NO [NONEXISTENT] no such mailbox"])
        #expect(try await dialog.command("n", "NOOP") == ["n OK NOOP completed"])
        try await fixture.store.close()
    }

    /// §4.1: entries follow RENAME, go with DELETE (a new mailbox of that name has none), and
    /// RENAME INBOX leaves a copy with INBOX.
    @Test func renameAndDelete() async throws {
        let (fixture, dialog) = try await Self.open()
        _ = try await dialog.command("a", "CREATE Work")
        _ = try await dialog.command("b", "SETMETADATA Work (/private/comment \"work\")")
        _ = try await dialog.command("c", "RENAME Work Projects")
        #expect(try await dialog.command("d", "GETMETADATA Projects /private/comment")
                == ["* METADATA Projects (/private/comment \"work\")", "d OK GETMETADATA completed"])
        _ = try await dialog.command("e", "DELETE Projects")
        _ = try await dialog.command("f", "CREATE Projects")
        #expect(try await dialog.command("g", "GETMETADATA Projects /private/comment")
                == ["* METADATA Projects (/private/comment NIL)", "g OK GETMETADATA completed"])
        _ = try await dialog.command("h", "SETMETADATA INBOX (/shared/comment \"inbox\")")
        _ = try await dialog.command("i", "RENAME INBOX Old")
        #expect(try await dialog.command("j", "GETMETADATA Old /shared/comment")
                == ["* METADATA Old (/shared/comment \"inbox\")", "j OK GETMETADATA completed"])
        #expect(try await dialog.command("k", "GETMETADATA INBOX /shared/comment")
                == ["* METADATA INBOX (/shared/comment \"inbox\")", "k OK GETMETADATA completed"])
        try await fixture.store.close()
    }
}
