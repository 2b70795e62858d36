import IMAPProtocol
import MailMessage
import MailStore

/// What SEARCH reads from a message's stored summary, folded once: FROM, TO, CC, BCC and SUBJECT
/// as `SearchedMessage.headerValues` gives them from the summary, and the sent date's calendar
/// day (SENTBEFORE/SENTON/SENTSINCE). Kept with the message in `MessageFactsCache`, so a search
/// of a mailbox it has seen before neither decodes nor folds again (issue 24).
final class SearchFacts: Sendable {
    let subject: [[UInt8]]
    let from: [[UInt8]]
    let to: [[UInt8]]
    let cc: [[UInt8]]
    let bcc: [[UInt8]]
    let sentDate: IMAPDate?

    init(_ summary: MessageSummary) {
        subject = SearchedMessage.subjectText(summary)
        from = SearchedMessage.addressText(summary.envelope.from)
        to = SearchedMessage.addressText(summary.envelope.to)
        cc = SearchedMessage.addressText(summary.envelope.cc)
        bcc = SearchedMessage.addressText(summary.envelope.bcc)
        sentDate = SearchedMessage.calendarDate(summary.envelope.date)
    }

    /// The values of the field called `name` (lowercase); nil for a field the summary does not hold.
    func values(_ name: [UInt8]) -> [[UInt8]]? {
        switch String(decoding: name, as: UTF8.self) {
        case "subject": subject
        case "from": from
        case "to": to
        case "cc": cc
        case "bcc": bcc
        default: nil
        }
    }
}

/// A message as `MessageFactsCache` keeps it: the row (its flags and mod-sequence as read; the
/// view's replace them) and, once a search on summary keys has needed them (`folded`), its
/// `SearchFacts` (nil when it has no stored summary). A FETCH that caches a message does not
/// decode its summary for them: that cost 70,000 instructions per new message on the login-churn
/// loop, whose FETCH reads no summary.
final class CachedMessage: Sendable {
    let message: StoredMessage
    let search: SearchFacts?
    let folded: Bool

    init(_ message: StoredMessage, fold: Bool) {
        self.message = message
        self.search = fold ? StoredSummary.decoded(message).map(SearchFacts.init) : nil
        self.folded = fold
    }
}
