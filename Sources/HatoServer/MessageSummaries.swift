import Foundation
import MailStore

/// The summary stored with each message at delivery (IMAP ENVELOPE and BODYSTRUCTURE), so FETCH
/// never re-parses a message.
enum MessageSummaries {
    static let summarizer: MessageSummarizer? = nil
}
