import HatoTesting
import Testing

/// RFC 8474 OBJECTID: MAILBOXID on SELECT, CREATE and STATUS, kept by RENAME; EMAILID kept by
/// COPY; THREADID NIL; SEARCH EMAILID / THREADID.
@Suite struct IMAPObjectIDTests {
    static func id(_ line: String?, after prefix: String) -> String? {
        guard let line, let start = line.range(of: prefix) else { return nil }
        return String(line[start.upperBound...].prefix { $0 != ")" })
    }

    @Test func mailboxAndEmailIDsAreStableAndSearchable() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let (dialog, _) = try await ChannelDialog.imap(fixture)
        try await dialog.login()
        let select = try await dialog.command("s", "SELECT INBOX")
        #expect(select.contains("* OK [MAILBOXID (M\(fixture.inbox.uidValidity))] mailbox ID"), "\(select)")

        let create = try await dialog.command("c", "CREATE Projects")
        let created = try #require(Self.id(create.last, after: "[MAILBOXID ("), "\(create)")
        #expect(create == ["c OK [MAILBOXID (\(created))] CREATE completed"] && created.hasPrefix("M") && created != "M\(fixture.inbox.uidValidity)")
        #expect(try await dialog.command("t1", "STATUS Projects (MESSAGES MAILBOXID)")
                == ["* STATUS Projects (MESSAGES 0 MAILBOXID (\(created)))", "t1 OK STATUS completed"])
        _ = try await dialog.command("r", "RENAME Projects Archive2")
        #expect(try await dialog.command("t2", "STATUS Archive2 (MAILBOXID)") == ["* STATUS Archive2 (MAILBOXID (\(created)))", "t2 OK STATUS completed"])

        let fetched = try await dialog.command("f1", "FETCH 2 (EMAILID THREADID)")
        let email = try #require(Self.id(fetched.first, after: "EMAILID ("), "\(fetched)")
        #expect(fetched == ["* 2 FETCH (EMAILID (\(email)) THREADID NIL)", "f1 OK FETCH completed"] && email.hasPrefix("E"))
        let other = try await dialog.command("f2", "FETCH 1 EMAILID")
        #expect(Self.id(other.first, after: "EMAILID (") != email)
        #expect(try await dialog.command("q1", "SEARCH EMAILID \(email)") == ["* SEARCH 2", "q1 OK SEARCH completed"])
        #expect(try await dialog.command("q2", "SEARCH THREADID T1") == ["* SEARCH", "q2 OK SEARCH completed"])
        let colon = try await dialog.command("q3", "SEARCH EMAILID E:1")
        #expect(colon.count == 1 && colon[0].hasPrefix("q3 BAD"), "\(colon)")
        let bad = try await dialog.command("q4", "SEARCH EMAILID \"\"")
        #expect(bad.count == 1 && bad[0].hasPrefix("q4 BAD"), "\(bad)")

        // COPY keeps the content, so the copy keeps the EMAILID.
        _ = try await dialog.command("k", "COPY 2 Archive2")
        _ = try await dialog.command("s2", "SELECT Archive2")
        #expect(try await dialog.command("f3", "FETCH 1 (EMAILID)") == ["* 1 FETCH (EMAILID (\(email)))", "f3 OK FETCH completed"])
        try await fixture.store.close()
    }
}
