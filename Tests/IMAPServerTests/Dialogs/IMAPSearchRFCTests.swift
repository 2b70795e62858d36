import HatoTesting
import Testing

/// SEARCH behaviours the RFCs spell out, as dialogs with the RFCs' own examples.
@Suite struct IMAPSearchRFCTests {
    /// RFC 4731 §3.2's examples (with RFC 7162 §3.1.10): with MIN or MAX alone the MODSEQ is that
    /// of the message returned, with MIN and MAX the higher of the two, otherwise the highest of
    /// all matches. Message 2 is changed last, so "the highest" and the MIN/MAX answers differ.
    @Test func esearchMinMaxCarryTheModSeqOfTheirMessage() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let (dialog, _) = try await ChannelDialog.imap(fixture)
        try await dialog.login()
        _ = try await dialog.command("s", "SELECT INBOX")
        _ = try await dialog.command("f1", "STORE 1,3 +FLAGS.SILENT (\\Draft)")
        _ = try await dialog.command("f2", "STORE 2 +FLAGS.SILENT (\\Draft)")
        let fetched = try await dialog.command("m", "FETCH 1:3 (MODSEQ)").dropLast()
        let modSeqs = fetched.compactMap { line in UInt64(line.split(separator: "(").last!.dropLast(2)) }
        try #require(modSeqs.count == 3 && modSeqs[1] > max(modSeqs[0], modSeqs[2]), "\(fetched)")
        let search = "MODSEQ \"/flags/\\\\draft\" all 1"
        #expect(try await dialog.command("a1", "SEARCH RETURN (MIN) \(search)")
                == ["* ESEARCH (TAG \"a1\") MIN 1 MODSEQ \(modSeqs[0])", "a1 OK SEARCH completed"])
        #expect(try await dialog.command("a2", "SEARCH RETURN (MAX) \(search)")
                == ["* ESEARCH (TAG \"a2\") MAX 3 MODSEQ \(modSeqs[2])", "a2 OK SEARCH completed"])
        #expect(try await dialog.command("a3", "SEARCH RETURN (MIN MAX) \(search)")
                == ["* ESEARCH (TAG \"a3\") MIN 1 MAX 3 MODSEQ \(max(modSeqs[0], modSeqs[2]))", "a3 OK SEARCH completed"])
        #expect(try await dialog.command("a4", "SEARCH RETURN (MIN COUNT) \(search)")
                == ["* ESEARCH (TAG \"a4\") MIN 1 COUNT 3 MODSEQ \(modSeqs[1])", "a4 OK SEARCH completed"])
        #expect(try await dialog.command("a5", "UID SEARCH RETURN (MAX) \(search)")
                == ["* ESEARCH (TAG \"a5\") UID MAX 3 MODSEQ \(modSeqs[2])", "a5 OK UID SEARCH completed"])
        // RFC 7162 §3.1.10 Example 19: ALL carries the highest.
        #expect(try await dialog.command("a6", "SEARCH RETURN (ALL) \(search)")
                == ["* ESEARCH (TAG \"a6\") ALL 1:3 MODSEQ \(modSeqs[1])", "a6 OK SEARCH completed"])
        try await fixture.store.close()
    }
}
