// SEARCH / UID SEARCH criteria (RFC 9051 §6.4.4; RFC 3501 NEW/OLD/RECENT; RFC 5182 "$";
// RFC 7162 §3.1.5 MODSEQ) evaluated against one stored message at a time.
import Foundation
import IMAPProtocol
import MailMessage
import MailStore

/// What a search needs to know about the mailbox besides the message itself.
struct SearchContext: Sendable {
    /// Messages in the selected mailbox: the value of `*` in a sequence set.
    let messageCount: UInt32
    /// The largest UID in use: the value of `*` in a UID set (RFC 9051 §9 seq-number).
    let largestUID: UInt32
    /// The UIDs saved by SEARCH RETURN (SAVE), for `$` (RFC 5182 §2.1); nil when nothing is saved.
    let savedUIDs: Set<UInt32>?
    /// Messages that are \Recent in this session (rev1 RECENT/NEW/OLD; RFC 3501 §2.3.2).
    var recentUIDs: Set<UInt32> = []
}

/// BADCHARSET (RFC 9051 §6.4.4): the CHARSET of a SEARCH is not one the server can decode.
enum SearchFailure: Error, Equatable { case badCharset }

struct SearchEvaluator: Sendable {
    /// Charsets a SEARCH may name, for `NO [BADCHARSET (...)]`.
    static let supportedCharsets: [String] = [
        "UTF-8", "US-ASCII", "ISO-2022-JP", "SHIFT_JIS", "WINDOWS-31J", "EUC-JP", "ISO-8859-1", "WINDOWS-1252",
    ]

    /// The label the search strings are decoded with; nil for UTF-8/US-ASCII.
    let charset: String?
    /// The zone INTERNALDATE is shown in; BEFORE/ON/SINCE compare calendar dates in it.
    let timeZone: TimeZone
    /// Parser caps for the messages read (`limits.max_mime_parts` ...), as at delivery.
    let messageLimits: MessageLimits
    /// The last program compiled by `matches`, so a mailbox walk compiles its keys once.
    private let lastProgram = ProgramCache()

    /// `.badCharset` when `charset` is not one of `supportedCharsets` (case-insensitive).
    init(charset: String?, timeZone: TimeZone = .current, messageLimits: MessageLimits = .default) throws(SearchFailure) {
        self.timeZone = timeZone
        self.messageLimits = messageLimits
        guard let charset else {
            self.charset = nil
            return
        }
        let upper = charset.uppercased()
        guard SearchEvaluator.supportedCharsets.contains(upper) else { throw .badCharset }
        self.charset = (upper == "UTF-8" || upper == "US-ASCII") ? nil : upper
    }

    /// Whether some key reads the message octets (header or body text, the Date header).
    /// Conservative: FROM/TO/CC/BCC/SUBJECT and SENT* count, because a message stored without a
    /// summary needs its octets for them; `needsBody(_:message:)` is exact per message.
    static func needsBody(_ keys: [IMAPSearchKey]) -> Bool {
        keys.contains { SearchProgram.needsBody($0, haveSummary: false) }
    }

    /// Exact for one message: with a stored summary, FROM/TO/CC/BCC/SUBJECT and SENT* are
    /// answered from it; HEADER, BODY and TEXT always read the octets.
    static func needsBody(_ keys: [IMAPSearchKey], message: StoredMessage) -> Bool {
        keys.contains { SearchProgram.needsBody($0, haveSummary: message.summary != nil) }
    }

    /// The keys compiled once for many messages: search strings decoded and case-folded,
    /// sequence sets resolved. Use it when evaluating a whole mailbox.
    func program(_ keys: [IMAPSearchKey], context: SearchContext) -> SearchProgram {
        SearchProgram(keys: keys, context: context, decode: decodeSearchString, timeZone: timeZone, messageLimits: messageLimits)
    }

    /// Whether the message matches ALL keys. sequenceNumber is its current message sequence number.
    func matches(_ keys: [IMAPSearchKey], message: StoredMessage, sequenceNumber: UInt32, context: SearchContext, body: [UInt8]?) -> Bool {
        let compiled = lastProgram.program(keys, context) { program(keys, context: context) }
        return compiled.matches(message: message, sequenceNumber: sequenceNumber, body: body)
    }

    /// A search string in the command's CHARSET, as text (RFC 9051 §6.4.4).
    private func decodeSearchString(_ bytes: [UInt8]) -> String {
        guard let charset else { return String(decoding: bytes, as: UTF8.self) }
        return Charset.decode(bytes, charset: charset).text
    }
}

/// One compiled program, reused while the keys and the context stay the same (one SEARCH
/// command walking its mailbox). Comparing is linear in the keys; compiling also decodes the
/// search strings and sorts the sets.
private final class ProgramCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entry: (keys: [IMAPSearchKey], context: SearchContext, program: SearchProgram)?

    func program(_ keys: [IMAPSearchKey], _ context: SearchContext, compile: () -> SearchProgram) -> SearchProgram {
        lock.lock()
        defer { lock.unlock() }
        if let entry, entry.keys == keys, entry.context == context { return entry.program }
        let program = compile()
        entry = (keys, context, program)
        return program
    }
}

extension SearchContext: Equatable {}
