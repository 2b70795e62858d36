// Optimal string alignment distance (Levenshtein plus adjacent transposition), bounded: the
// lookalike check only asks whether two short names are within one or two edits.

enum EditDistance {
    /// The distance between `x` and `y` (Unicode scalars: the lookalike check keeps each trusted
    /// label's split out), or `limit + 1` as soon as it is known to exceed `limit` (names longer
    /// than 256 scalars are never compared).
    static func distance(_ x: [Unicode.Scalar], _ y: [Unicode.Scalar], limit: Int) -> Int {
        guard x.count <= 256, y.count <= 256 else { return limit + 1 }
        if abs(x.count - y.count) > limit { return limit + 1 }
        if x.isEmpty || y.isEmpty { return max(x.count, y.count) }
        var previous2 = [Int](repeating: 0, count: y.count + 1)
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            var rowMinimum = current[0]
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] { value = min(value, previous2[j - 2] + 1) }
                current[j] = value
                rowMinimum = min(rowMinimum, value)
            }
            if rowMinimum > limit { return limit + 1 }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[y.count]
    }

    /// `distance(x, y, limit: 1) <= 1` in one pass without allocating: equal, or one
    /// substitution, insertion, deletion or adjacent transposition apart. Display names are
    /// compared with every known person's for each message (docs/PERFORMANCE.md, issue 24).
    static func withinOne(_ x: [Unicode.Scalar], _ y: [Unicode.Scalar]) -> Bool {
        if x.count < y.count { return withinOne(y, x) }
        guard x.count - y.count <= 1 else { return false }
        var i = 0
        while i < y.count, x[i] == y[i] { i += 1 }
        if i == y.count { return true }  // equal, or `x` has one more scalar at the end
        if x.count > y.count { return x[(i + 1)...] == y[i...] }  // `x[i]` inserted
        if x[(i + 1)...] == y[(i + 1)...] { return true }  // substituted
        return i + 1 < x.count && x[i] == y[i + 1] && x[i + 1] == y[i] && x[(i + 2)...] == y[(i + 2)...]  // swapped
    }
}
