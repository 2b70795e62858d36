import Foundation
import MailMessage

/// The summary JSON `hato serve` stores with each message (HatoServer's MessageSummaries, which
/// this test target does not depend on). Apart from IMAPTestFixture.swift because MailMessage
/// also has a type named `Mailbox`.
enum TestSummaries {
    static func summarize(_ bytes: [UInt8]) -> Data? {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        return try? encoder.encode(MessageSummary(parsing: bytes))
    }
}
