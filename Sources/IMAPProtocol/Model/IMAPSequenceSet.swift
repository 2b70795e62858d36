/// seq-number = nz-number / "*"      (RFC 9051 §9)
public enum IMAPSequenceNumber: Sendable, Equatable, Hashable {
    case number(UInt32)
    /// `*`: the largest number in use (or UIDNEXT-1 semantics for an empty mailbox, RFC 9051 §9).
    case last
}

/// seq-range = seq-number ":" seq-number — stored as written; `2:4` and `4:2` are equivalent.
public struct IMAPSequenceRange: Sendable, Equatable, Hashable {
    public var first: IMAPSequenceNumber
    public var last: IMAPSequenceNumber

    public init(_ first: IMAPSequenceNumber, _ last: IMAPSequenceNumber) {
        self.first = first
        self.last = last
    }

    public init(_ number: UInt32) { self.init(.number(number), .number(number)) }

    /// The bounds in ascending order once `*` is known to stand for `star`.
    public func resolved(star: UInt32) -> ClosedRange<UInt32> {
        func value(_ n: IMAPSequenceNumber) -> UInt32 {
            if case .number(let v) = n { return v }
            return star
        }
        let a = value(first), b = value(last)
        return min(a, b)...max(a, b)
    }
}

/// sequence-set = (seq-number / seq-range) ["," sequence-set] / seq-last-command  (RFC 9051 §9, §6.4.4.1)
public enum IMAPSequenceSet: Sendable, Equatable, Hashable {
    case ranges([IMAPSequenceRange])
    /// `$`: the result saved by `SEARCH RETURN (SAVE)` (RFC 5182, RFC 9051 §6.4.4.1).
    case lastCommand

    public init(_ ranges: [IMAPSequenceRange]) { self = .ranges(ranges) }

    /// Ranges in ascending order without overlaps, given the value of `*`.
    public func resolved(star: UInt32) -> [ClosedRange<UInt32>] {
        guard case .ranges(let ranges) = self else { return [] }
        let sorted = ranges.map { $0.resolved(star: star) }.sorted { $0.lowerBound < $1.lowerBound }
        var out: [ClosedRange<UInt32>] = []
        for r in sorted {
            if let last = out.last, UInt64(r.lowerBound) <= UInt64(last.upperBound) + 1 {
                out[out.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }
}
