// The parsed summary stored with each message (JSON of MailMessage.MessageSummary, written by
// HatoServer's MessageSummaries at delivery), or the same summary computed from the body.
import Foundation
import MailMessage
import MailStore

enum StoredSummary {
    /// The stored summary when it decodes and describes exactly `body` (when given); otherwise
    /// the body is parsed. nil only when there is neither a usable summary nor a body.
    static func summary(of message: StoredMessage, body: [UInt8]?) -> MessageSummary? {
        if let data = message.summary, let summary = decode(data), body == nil || summary.size == body!.count {
            return summary
        }
        return body.map { MessageSummary(parsing: $0) }
    }

    /// Same date strategy as the writer (HatoServer/MessageSummaries.swift).
    static func decode(_ data: Data) -> MessageSummary? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try? decoder.decode(MessageSummary.self, from: data)
    }
}
