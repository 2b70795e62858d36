import Foundation
import HatoTesting
import IMAPProtocol
import MailMessage
import MailStore
import NIOCore
import Testing
@testable import IMAPServer

/// RFC 8514 SAVEDATE: FETCH SAVEDATE and SEARCH SAVEDBEFORE/SAVEDON/SAVEDSINCE/SAVEDATESUPPORTED,
/// the save date set by APPEND and COPY, and a message whose save date is unknown.
@Suite struct IMAPSaveDateTests {
    static func today(_ date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .current
        formatter.dateFormat = "d-MMM-yyyy"
        return formatter.string(from: date)
    }

    @Test func appendAndCopySaveNowAndSearchFindsIt() async throws {
        // Internal dates in 2026 (Date headers are not the save date either).
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let (dialog, _) = try await ChannelDialog.imap(fixture)
        try await dialog.login()
        _ = try await dialog.command("s", "SELECT INBOX")
        let fetched = try await dialog.command("f1", "FETCH 1:3 (SAVEDATE)")
        #expect(fetched.count == 4 && fetched.dropLast().allSatisfy { $0.contains("(SAVEDATE \"") && $0.hasSuffix("\")") }, "\(fetched)")
        let day = Self.today()
        #expect(try await dialog.command("q1", "SEARCH SAVEDATESUPPORTED") == ["* SEARCH 1 2 3", "q1 OK SEARCH completed"])
        #expect(try await dialog.command("q2", "SEARCH SAVEDON \(day)") == ["* SEARCH 1 2 3", "q2 OK SEARCH completed"])
        #expect(try await dialog.command("q3", "SEARCH SAVEDBEFORE 1-Jan-2000") == ["* SEARCH", "q3 OK SEARCH completed"])
        #expect(try await dialog.command("q4", "UID SEARCH SAVEDSINCE \(day) UID 2:3") == ["* SEARCH 2 3", "q4 OK UID SEARCH completed"])
        #expect(try await dialog.command("q5", "SEARCH SAVEDON 32-Jan-2026").first?.hasPrefix("q5 BAD") == true)
        _ = try await dialog.command("k", "COPY 2 Archive")
        _ = try await dialog.command("s2", "SELECT Archive")
        let copied = try await dialog.command("f2", "FETCH 1 (SAVEDATE INTERNALDATE)")
        #expect(copied.first?.hasPrefix("* 1 FETCH (SAVEDATE \"") == true && copied.first?.contains("INTERNALDATE \"") == true, "\(copied)")
        try await fixture.store.close()
    }

    /// Messages stored before the store recorded save dates (migration v9-sort-thread): FETCH
    /// SAVEDATE gives NIL and SEARCH uses the internal date.
    @Test func anUnknownSaveDateIsNILAndSearchedByTheInternalDate() throws {
        let bytes = Array("Subject: old\r\n\r\nbody\r\n".utf8)
        let arrived = Date(timeIntervalSince1970: 1_700_000_000)  // 14-Nov-2023 22:13:20 UTC
        let old = Fixtures.stored(bytes, uid: 1, internalDate: arrived)
        let saved = StoredMessage(mailboxID: old.mailboxID, uid: 2, modSeq: 1, flags: MessageFlags(), internalDate: arrived, size: old.size,
                                  body: old.body, summary: old.summary, savedDate: Date(timeIntervalSince1970: 1_800_000_000))
        let responder = FetchResponder(includeModSeq: false, timeZone: Fixtures.utc)
        #expect(try responder.items(for: old, attributes: [.saveDate], uid: false, body: nil) == [.saveDate(nil)])
        #expect(try responder.items(for: saved, attributes: [.saveDate], uid: false, body: nil)
                == [.saveDate(MailboxClock.dateTime(Date(timeIntervalSince1970: 1_800_000_000), in: Fixtures.utc))])
        #expect(String(buffer: IMAPResponseEncoder().encode(.data(.fetch(1, [.saveDate(nil)])))) == "* 1 FETCH (SAVEDATE NIL)\r\n")
        let evaluator = try SearchEvaluator(charset: nil, timeZone: Fixtures.utc)
        let context = SearchContext(messageCount: 2, largestUID: 2, savedUIDs: nil)
        func matches(_ key: IMAPSearchKey, _ message: StoredMessage) -> Bool {
            evaluator.matches([key], message: message, sequenceNumber: message.uid, context: context, body: nil)
        }
        let nov14 = IMAPDate(year: 2023, month: 11, day: 14)
        #expect(matches(.savedOn(nov14), old) && !matches(.savedOn(nov14), saved))
        #expect(matches(.savedBefore(IMAPDate(year: 2024, month: 1, day: 1)), old))
        #expect(matches(.savedSince(IMAPDate(year: 2027, month: 1, day: 15)), saved))  // 15-Jan-2027 08:00 UTC
        #expect(matches(.saveDateSupported, old) && matches(.saveDateSupported, saved))
    }
}
