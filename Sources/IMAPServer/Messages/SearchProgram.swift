// A SEARCH program compiled once per command: search strings decoded from the CHARSET and
// case-folded, sequence and UID sets resolved against the mailbox (RFC 9051 §6.4.4).
import Foundation
import IMAPProtocol
import MailMessage
import MailStore

struct SearchProgram: Sendable {
    indirect enum Node: Sendable {
        case constant(Bool)
        case hasFlag(SystemFlags)
        case lacksFlag(SystemFlags)
        case recent
        case keyword(String)
        case unknownSystemFlag
        /// A header field whose decoded value contains the folded needle; an empty needle only
        /// asks for the field to be present (RFC 9051 §6.4.4 HEADER).
        case header(name: [UInt8], needle: [UInt8])
        case body([UInt8])
        case text([UInt8])
        case internalDate(DateTest, IMAPDate)
        case sentDate(DateTest, IMAPDate)
        case larger(UInt64)
        case smaller(UInt64)
        case uids(NumberSet)
        case sequenceNumbers(NumberSet)
        case modSeq(UInt64)
        case emailID(String)
        case savedDate(DateTest, IMAPDate)
        case not(Node)
        case or(Node, Node)
        case and([Node])
    }

    enum DateTest: Sendable {
        case before, on, since

        func holds(_ date: IMAPDate, _ reference: IMAPDate) -> Bool {
            switch self {
            case .before: return date < reference
            case .on: return date == reference
            case .since: return date >= reference
            }
        }
    }

    /// Resolved ranges, sorted and merged, or the saved result (`$`) as a set of UIDs.
    enum NumberSet: Sendable {
        case ranges([ClosedRange<UInt32>])
        case savedUIDs(Set<UInt32>)

        func contains(_ n: UInt32, uid: UInt32) -> Bool {
            switch self {
            case .savedUIDs(let saved): return saved.contains(uid)
            case .ranges(let ranges):
                var lo = 0, hi = ranges.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if ranges[mid].upperBound < n { lo = mid + 1 } else { hi = mid }
                }
                return lo < ranges.count && ranges[lo].contains(n)
            }
        }
    }

    let root: Node
    let recentUIDs: Set<UInt32>
    let timeZone: TimeZone
    let messageLimits: MessageLimits

    init(keys: [IMAPSearchKey], context: SearchContext, decode: (([UInt8]) -> String), timeZone: TimeZone,
         messageLimits: MessageLimits = .default) {
        self.recentUIDs = context.recentUIDs
        self.timeZone = timeZone
        self.messageLimits = messageLimits
        func fold(_ bytes: [UInt8]) -> [UInt8] { SearchText.fold(decode(bytes)) }
        func set(_ s: IMAPSequenceSet, star: UInt32) -> NumberSet {
            if case .lastCommand = s { return .savedUIDs(context.savedUIDs ?? []) }
            return .ranges(s.resolved(star: star))
        }
        func compile(_ key: IMAPSearchKey) -> Node {
            switch key {
            case .all: return .constant(true)
            case .answered: return .hasFlag(.answered)
            case .deleted: return .hasFlag(.deleted)
            case .draft: return .hasFlag(.draft)
            case .flagged: return .hasFlag(.flagged)
            case .seen: return .hasFlag(.seen)
            case .unanswered: return .lacksFlag(.answered)
            case .undeleted: return .lacksFlag(.deleted)
            case .undraft: return .lacksFlag(.draft)
            case .unflagged: return .lacksFlag(.flagged)
            case .unseen: return .lacksFlag(.seen)
            case .recent: return .recent
            // NEW = RECENT UNSEEN, OLD = NOT RECENT (RFC 3501 §6.4.4)
            case .new: return .and([.recent, .lacksFlag(.seen)])
            case .old: return .not(.recent)
            case .keyword(let k): return keyword(k)
            case .unkeyword(let k): return .not(keyword(k))
            case .from(let s): return .header(name: Array("from".utf8), needle: fold(s))
            case .to(let s): return .header(name: Array("to".utf8), needle: fold(s))
            case .cc(let s): return .header(name: Array("cc".utf8), needle: fold(s))
            case .bcc(let s): return .header(name: Array("bcc".utf8), needle: fold(s))
            case .subject(let s): return .header(name: Array("subject".utf8), needle: fold(s))
            case .header(let name, let value): return .header(name: Array(name.lowercased().utf8), needle: fold(value))
            case .body(let s): return .body(fold(s))
            case .text(let s): return .text(fold(s))
            case .before(let d): return .internalDate(.before, d)
            case .on(let d): return .internalDate(.on, d)
            case .since(let d): return .internalDate(.since, d)
            case .sentBefore(let d): return .sentDate(.before, d)
            case .sentOn(let d): return .sentDate(.on, d)
            case .sentSince(let d): return .sentDate(.since, d)
            case .larger(let n): return .larger(n)
            case .smaller(let n): return .smaller(n)
            case .uid(let s): return .uids(set(s, star: context.largestUID))
            case .sequenceSet(let s): return .sequenceNumbers(set(s, star: context.messageCount))
            // One mod-sequence per message: the per-flag entry is answered with it (RFC 7162 §3.1.5).
            case .modSeq(let n, _): return .modSeq(n)
            case .emailID(let id): return .emailID(id)
            // No thread IDs are kept (FETCH THREADID is NIL), so none matches (RFC 8474 §6).
            case .threadID: return .constant(false)
            case .savedBefore(let d): return .savedDate(.before, d)
            case .savedOn(let d): return .savedDate(.on, d)
            case .savedSince(let d): return .savedDate(.since, d)
            // Every mailbox records save dates (RFC 8514 §4).
            case .saveDateSupported: return .constant(true)
            case .not(let k): return .not(compile(k))
            case .or(let a, let b): return .or(compile(a), compile(b))
            case .and(let ks): return SearchProgram.cheapestFirst(ks.map(compile))
            }
        }
        func keyword(_ name: String) -> Node {
            guard name.hasPrefix("\\") else { return .keyword(name.lowercased()) }
            let system = MessageFlags(names: [name]).system
            return system.isEmpty ? .unknownSystemFlag : .hasFlag(system)
        }
        self.root = SearchProgram.cheapestFirst(keys.map(compile))
    }

    /// AND is order-free, so keys that need no text run first and a failing flag or UID test
    /// spares the header and body decoding.
    private static func cheapestFirst(_ nodes: [Node]) -> Node {
        .and(nodes.enumerated().sorted { (cost($0.element), $0.offset) < (cost($1.element), $1.offset) }.map(\.element))
    }

    private static func cost(_ node: Node) -> Int {
        switch node {
        case .header, .sentDate: return 1
        case .body, .text: return 2
        case .not(let k): return cost(k)
        case .or(let a, let b): return max(cost(a), cost(b))
        case .and(let ks): return ks.map(cost).max() ?? 0
        default: return 0
        }
    }

    /// Whether `key` reads the octets; with a summary, the envelope headers and Date do not.
    static func needsBody(_ key: IMAPSearchKey, haveSummary: Bool) -> Bool {
        switch key {
        case .header, .body, .text: return true
        case .from, .to, .cc, .bcc, .subject, .sentBefore, .sentOn, .sentSince: return !haveSummary
        case .not(let k): return needsBody(k, haveSummary: haveSummary)
        case .or(let a, let b): return needsBody(a, haveSummary: haveSummary) || needsBody(b, haveSummary: haveSummary)
        case .and(let ks): return ks.contains { needsBody($0, haveSummary: haveSummary) }
        default: return false
        }
    }

    func matches(message: StoredMessage, sequenceNumber: UInt32, body: [UInt8]?, facts: SearchFacts? = nil) -> Bool {
        let searched = SearchedMessage(message: message, body: body, limits: messageLimits, facts: facts)
        return evaluate(root, searched, sequenceNumber)
    }

    private func evaluate(_ node: Node, _ m: SearchedMessage, _ seq: UInt32) -> Bool {
        let message = m.message
        switch node {
        case .constant(let b): return b
        case .hasFlag(let f): return message.flags.system.contains(f)
        case .lacksFlag(let f): return !message.flags.system.contains(f)
        case .recent: return recentUIDs.contains(message.uid)
        case .keyword(let k): return message.flags.keywords.contains { $0.lowercased() == k }
        case .unknownSystemFlag: return false
        case .header(let name, let needle):
            guard let values = m.headerValues(name) else { return false }
            return values.contains { SearchText.contains($0, needle) }
        case .body(let needle):
            guard let text = m.bodyText else { return false }
            return SearchText.contains(text, needle)
        case .text(let needle):
            if let header = m.headerText, SearchText.contains(header, needle) { return true }
            guard let text = m.bodyText else { return false }
            return SearchText.contains(text, needle)
        case .internalDate(let test, let date):
            return test.holds(MailboxClock.calendarDate(message.internalDate, in: timeZone), date)
        case .sentDate(let test, let date):
            guard let sent = m.sentDate else { return false }
            return test.holds(sent, date)
        case .larger(let n): return message.size >= 0 && UInt64(message.size) > n
        case .smaller(let n): return message.size < 0 || UInt64(message.size) < n
        case .uids(let set): return set.contains(message.uid, uid: message.uid)
        case .sequenceNumbers(let set): return set.contains(seq, uid: message.uid)
        case .modSeq(let n): return message.modSeq >= n
        case .emailID(let id): return ObjectIDs.email(message) == id
        case .savedDate(let test, let date):
            // RFC 8514 §4: a message whose save date is unknown is searched by its internal date.
            return test.holds(MailboxClock.calendarDate(message.savedDate ?? message.internalDate, in: timeZone), date)
        case .not(let k): return !evaluate(k, m, seq)
        case .or(let a, let b): return evaluate(a, m, seq) || evaluate(b, m, seq)
        case .and(let ks):
            for k in ks where !evaluate(k, m, seq) { return false }
            return true
        }
    }
}
