import MailStore

/// LIST / LSUB patterns (RFC 9051 §6.3.9): `*` matches any characters, `%` any characters but
/// the hierarchy delimiter. INBOX matches case-insensitively.
///
/// Matching simulates the pattern as an NFA over a bit set of positions (one bit per pattern
/// token), so a name is checked in O(name length × pattern length / 64) steps whatever the
/// wildcards: a backtracking matcher takes exponential time on `*****x` or `%*%*%*...`.
struct MailboxPattern {
    private enum Token: Equatable { case scalar(Unicode.Scalar), any, anyButDelimiter }

    private let tokens: [Token]
    /// Bit i set: token i is `*` or `%` (position i may stay on any scalar / jump over it).
    private let wildcards: PositionSet
    /// Bit i set: token i is `*`, which also consumes the delimiter.
    private let stars: PositionSet
    /// Bit i set: token i is that literal scalar.
    private let literals: [Unicode.Scalar: PositionSet]
    private let delimiter: Unicode.Scalar = Mailbox.hierarchySeparator.unicodeScalars.first!

    /// RFC 9051 §6.3.9: the reference is prefixed to the pattern ("reference name" + "mailbox name").
    init(reference: String, pattern: String) {
        var full = reference + pattern
        // "inbox", "Inbox/..." name INBOX: normalise the first level so it compares exactly.
        let first = full.prefix { $0 != Mailbox.hierarchySeparator }
        if first.uppercased() == Mailbox.inbox { full = Mailbox.inbox + full.dropFirst(first.count) }
        // A run of wildcards matches what `*` matches if it holds a `*`, else what `%` matches:
        // collapsing runs keeps the token list short and each wildcard followed by a literal.
        var tokens: [Token] = []
        for scalar in full.unicodeScalars {
            let token: Token = scalar == "*" ? .any : scalar == "%" ? .anyButDelimiter : .scalar(scalar)
            if token != .any && token != .anyButDelimiter { tokens.append(token); continue }
            switch tokens.last {
            case .any?: continue
            case .anyButDelimiter?: tokens[tokens.count - 1] = token
            default: tokens.append(token)
            }
        }
        self.tokens = tokens
        var wildcards = PositionSet(count: tokens.count + 1), stars = PositionSet(count: tokens.count + 1)
        var literals: [Unicode.Scalar: PositionSet] = [:]
        for (i, token) in tokens.enumerated() {
            switch token {
            case .any: wildcards.insert(i); stars.insert(i)
            case .anyButDelimiter: wildcards.insert(i)
            case .scalar(let s): literals[s, default: PositionSet(count: tokens.count + 1)].insert(i)
            }
        }
        self.wildcards = wildcards
        self.stars = stars
        self.literals = literals
    }

    /// Characters of the pattern after wildcard runs are collapsed (what the matcher works over).
    var length: Int { tokens.count }

    func matches(_ name: String) -> Bool {
        var active = PositionSet(count: tokens.count + 1)
        active.insert(0)
        active.closeOverWildcards(wildcards)
        for scalar in name.unicodeScalars {
            // Literal positions advance; `*` stays on anything, `%` on anything but the delimiter.
            var next = active.intersection(literals[scalar]).shiftedUp()
            next.formUnion(active.intersection(scalar == delimiter ? stars : wildcards))
            next.closeOverWildcards(wildcards)
            if next.isEmpty { return false }
            active = next
        }
        return active.contains(tokens.count)
    }
}

/// A fixed-size bit set over pattern positions.
private struct PositionSet {
    private var words: [UInt64]

    init(count: Int) { words = Array(repeating: 0, count: (count + 63) / 64) }

    mutating func insert(_ i: Int) { words[i >> 6] |= 1 << UInt64(i & 63) }
    func contains(_ i: Int) -> Bool { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }
    var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    func intersection(_ other: PositionSet?) -> PositionSet {
        var out = self
        guard let other else { for i in out.words.indices { out.words[i] = 0 }; return out }
        for i in out.words.indices { out.words[i] &= other.words[i] }
        return out
    }

    mutating func formUnion(_ other: PositionSet) {
        for i in words.indices { words[i] |= other.words[i] }
    }

    /// Every position moved one up (bit i to bit i+1); the set never grows past its size
    /// because the last position (the accepting one) is never a token.
    func shiftedUp() -> PositionSet {
        var out = self
        var carry: UInt64 = 0
        for i in out.words.indices {
            let word = out.words[i]
            out.words[i] = (word << 1) | carry
            carry = word >> 63
        }
        return out
    }

    /// A wildcard may match nothing: a wildcard position also activates the one after it. Runs
    /// are collapsed, so one step reaches every position.
    mutating func closeOverWildcards(_ wildcards: PositionSet) {
        formUnion(intersection(wildcards).shiftedUp())
    }
}
