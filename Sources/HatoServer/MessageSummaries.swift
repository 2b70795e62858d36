import Foundation
import MailMessage
import MailStore

/// The summary stored with each message at delivery (IMAP ENVELOPE, BODYSTRUCTURE and the byte
/// ranges of every part), so FETCH never re-parses a message: `MessageSummary.storedForm()`.
/// Reception hands its summary to the store (`AppendRequest.summary`); this summarizer covers
/// every other append (IMAP APPEND, imports).
public enum MessageSummaries {
    public static let summarizer: MessageSummarizer? = summarizer(limits: .default)

    /// The summarizer with the configured parser caps (`limits.max_mime_parts` ...).
    public static func summarizer(limits: MessageLimits) -> MessageSummarizer {
        { bytes in MessageSummary(parsing: bytes, limits: limits).storedForm() }
    }

    public static func decode(_ data: Data) -> MessageSummary? {
        MessageSummary(storedForm: data)
    }
}
