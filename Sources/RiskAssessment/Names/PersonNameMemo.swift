// The names a display name is compared with (VIPs, every local user, the recipients' frequent
// correspondents) are the same from one message to the next, and folding one (NFKC, case,
// kana, honorifics) costs far more than comparing two folded names: with 1,000 local users,
// folding all of them for each message was most of the risk stage's work (docs/PERFORMANCE.md,
// issue 24). Folded names are kept by their text, up to a bound.

import Synchronization

/// `PersonName(text)` by `text`, kept.
final class PersonNameMemo: Sendable {
    /// Names kept at most; past it the memo starts again (a bound, not a cache policy: a
    /// domain's users and correspondents are far fewer).
    static let capacity = 50_000
    private let folded = Mutex<[String: PersonName?]>([:])

    func name(_ text: String) -> PersonName? {
        if let kept = folded.withLock({ $0[text] }) { return kept }
        let name = PersonName(text)
        folded.withLock { names in
            if names.count >= Self.capacity { names.removeAll(keepingCapacity: true) }
            names[text] = name
        }
        return name
    }
}
