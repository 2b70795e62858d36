// SORT's ordering (RFC 5256 §3, RFC 5957 §3): the criteria in turn, each possibly reversed,
// then the mailbox order.
import IMAPProtocol

enum MessageSorter {
    /// `messages` sorted by `criteria`; messages equal under every criterion keep their mailbox
    /// (sequence) order, whatever REVERSE says (RFC 5256 §3: "sorted according to the order in
    /// which they appear in the mailbox").
    static func sort(_ messages: [SortableMessage], by criteria: [IMAPSortCriterion]) -> [SortableMessage] {
        messages.sorted { a, b in
            for criterion in criteria {
                let order = compare(a, b, criterion.key)
                if order != 0 { return criterion.reverse ? order > 0 : order < 0 }
            }
            return a.number < b.number
        }
    }

    /// Whether `a` sorts before `b` (ties in UID order, which is mailbox order): where a message
    /// new to a live SORT result goes (RFC 5267 §4.3.3).
    static func precedes(_ a: SortableMessage, _ b: SortableMessage, _ criteria: [IMAPSortCriterion]) -> Bool {
        for criterion in criteria {
            let order = compare(a, b, criterion.key)
            if order != 0 { return criterion.reverse ? order > 0 : order < 0 }
        }
        return a.uid < b.uid
    }

    /// -1, 0 or 1 as `a` sorts before, with or after `b` under `key`.
    static func compare(_ a: SortableMessage, _ b: SortableMessage, _ key: IMAPSortKey) -> Int {
        switch key {
        case .arrival: return order(a.arrival, b.arrival)
        case .date: return order(a.sent, b.sent)
        case .size: return order(a.size, b.size)
        case .subject: return order(a.subjectKey, b.subjectKey)
        case .from: return order(a.from, b.from)
        case .to: return order(a.to, b.to)
        case .cc: return order(a.cc, b.cc)
        case .displayFrom: return order(a.displayFrom, b.displayFrom)
        case .displayTo: return order(a.displayTo, b.displayTo)
        }
    }

    private static func order<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : (a == b ? 0 : 1) }

    private static func order(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a == b ? 0 : (UnicodeCasemap.precedes(a, b) ? -1 : 1)
    }
}
