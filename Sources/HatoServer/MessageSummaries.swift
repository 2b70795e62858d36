import Foundation
import MailMessage
import MailStore

/// The summary stored with each message at delivery (IMAP ENVELOPE, BODYSTRUCTURE and the byte
/// ranges of every part), so FETCH never re-parses a message. JSON of `MailMessage.MessageSummary`;
/// `decode` reads it back.
public enum MessageSummaries {
    public static let summarizer: MessageSummarizer? = { bytes in
        try? encoder.encode(MessageSummary(parsing: bytes))
    }

    public static func decode(_ data: Data) -> MessageSummary? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try? decoder.decode(MessageSummary.self, from: data)
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }
}
