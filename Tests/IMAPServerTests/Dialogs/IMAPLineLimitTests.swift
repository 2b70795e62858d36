import HatoTesting
import IMAPProtocol
import Testing

/// The default limits admit every command the RFCs bound at those bounds, the largest being an
/// RFC 2971 ID (allowed before login, §3.1); a line over the limit gets `BAD [LIMIT]` and the
/// session goes on.
@Suite struct IMAPLineLimitTests {
    /// 30 pairs, fields of 30 octets, values of 1024 octets (RFC 2971 §3.3), in three forms.
    static var idCommands: [(name: String, text: String)] {
        let fields = (1...IMAPLimits.idMaximumPairs).map { n in
            ("x-field-\(n)-" + String(repeating: "f", count: IMAPLimits.idMaximumFieldLength)).prefix(IMAPLimits.idMaximumFieldLength)
        }
        let value = String(repeating: "v", count: IMAPLimits.idMaximumValueLength)
        // Every octet needing a backslash: the longest quoted form of the same limits.
        let escapedField = String(repeating: "\\\\", count: IMAPLimits.idMaximumFieldLength)
        let escapedValue = String(repeating: "\\\"", count: IMAPLimits.idMaximumValueLength)
        return [
            ("quoted", "(" + fields.map { "\"\($0)\" \"\(value)\"" }.joined(separator: " ") + ")\r\n"),
            ("escaped", "(" + (0..<IMAPLimits.idMaximumPairs).map { _ in "\"\(escapedField)\" \"\(escapedValue)\"" }
                .joined(separator: " ") + ")\r\n"),
            ("literals", "(" + fields.map { "\"\($0)\" {\(value.utf8.count)+}\r\n\(value)" }.joined(separator: " ") + ")\r\n"),
        ]
    }

    /// RFC 2971 §3.1's example, then the ID at the RFC's limits in each form, before and after
    /// login: each is answered, none is refused, and the session goes on.
    @Test func idAtTheRFCsOwnLimitsBeforeAndAfterLogin() async throws {
        let fixture = try await IMAPFixture.make()
        let (dialog, _) = try await ChannelDialog.imap(fixture)
        #expect(try await dialog.command("a023", "ID (\"name\" \"sodr\" \"version\" \"19.34\" \"vendor\" \"Pink Floyd Music Limited\")")
                == ["* ID (\"name\" \"Hato\")", "a023 OK ID completed"])
        let escaped = Self.idCommands[1].text
        #expect(escaped.utf8.count > 63_000 && "t ID ".utf8.count + escaped.utf8.count <= IMAPLimits.idCommandMaximum)
        for loggedIn in [false, true] {
            if loggedIn { try await dialog.login() }
            for (name, text) in Self.idCommands {
                try await dialog.send("i-\(name) ID " + text)
                #expect(try await dialog.tagged("i-\(name)") == ["* ID (\"name\" \"Hato\")", "i-\(name) OK ID completed"],
                        "\(name), logged in: \(loggedIn)")
            }
            #expect(try await dialog.command("n", "NOOP") == ["n OK NOOP completed"])
        }
        try await fixture.store.close()
    }

    /// A line over `limits.imap_max_line_length` (64 KiB): `BAD [LIMIT]` with the tag, the rest
    /// skipped, the session kept (docs/configuration.md); whole and in small reads.
    @Test func aTooLongLineGetsBADLimitAndTheSessionGoesOn() async throws {
        let fixture = try await IMAPFixture.make()
        let (dialog, _) = try await ChannelDialog.imap(fixture)
        let long = "x1 ID (\"name\" \"" + String(repeating: "n", count: 70_000) + "\")\r\n"
        for loggedIn in [false, true] {
            if loggedIn { try await dialog.login() }
            try await dialog.send(long + "x2 NOOP\r\n")
            #expect(try await dialog.tagged("x2") == ["x1 BAD [LIMIT] line too long", "x2 OK NOOP completed"], "logged in: \(loggedIn)")
            for piece in stride(from: 0, to: long.utf8.count, by: 4_096) {
                try await dialog.send(String(long.dropFirst(piece).prefix(4_096)))
            }
            #expect(try await dialog.command("x3", "NOOP") == ["x1 BAD [LIMIT] line too long", "x3 OK NOOP completed"])
        }
        try await fixture.store.close()
    }
}
