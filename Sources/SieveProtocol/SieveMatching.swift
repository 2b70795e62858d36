import Foundation

/// Counts interpreter steps against `SieveLimits.maxInstructions`.
struct SieveBudget {
    private(set) var used = 0
    let limit: Int

    mutating func charge(_ steps: Int = 1) throws(SieveRuntimeError) {
        used += steps
        guard used <= limit else { throw .instructionLimit(limit) }
    }
}

/// Comparators (RFC 4790, RFC 5051) and match types (RFC 5228 §2.7.1, RFC 5231).
enum SieveMatching {
    /// More wildcards than this in one :matches key is a runtime error (each one is a level of backtracking).
    static let maxWildcards = 256

    /// The comparator's canonical form as Unicode scalars. i;ascii-casemap folds only A-Z (RFC 4790
    /// §9.2); i;unicode-casemap folds case and applies compatibility decomposition (RFC 5051 §2).
    static func canonical(_ text: String, _ comparator: SieveComparator) -> [Unicode.Scalar] {
        switch comparator {
        case .octet, .asciiNumeric: return Array(text.unicodeScalars)
        case .asciiCaseMap:
            return text.unicodeScalars.map { ("A"..."Z").contains($0) ? Unicode.Scalar($0.value + 32)! : $0 }
        case .unicodeCaseMap:
            return Array(text.folding(options: [.caseInsensitive], locale: nil).decomposedStringWithCompatibilityMapping.unicodeScalars)
        }
    }

    /// Whether `value` matches `key`; for a :matches success, `captures` holds the text of each
    /// wildcard in order (RFC 5229 §3.2 match variables; ${0} is the whole value).
    static func matches(_ value: String, _ key: String, _ match: SieveMatch, captures: inout [String]?,
                        budget: inout SieveBudget) throws(SieveRuntimeError) -> Bool {
        try budget.charge(1 + (value.utf8.count + key.utf8.count) / 256)
        switch match.type {
        case .is:
            if match.comparator == .asciiNumeric { return numericOrder(value, key) == 0 }
            return canonical(value, match.comparator) == canonical(key, match.comparator)
        case .contains:
            let v = canonical(value, match.comparator), k = canonical(key, match.comparator)
            guard !k.isEmpty else { return true }
            guard k.count <= v.count else { return false }
            try budget.charge(v.count * k.count / 1024)
            for start in 0...(v.count - k.count) where v[start..<(start + k.count)].elementsEqual(k) { return true }
            return false
        case .value(let relation):
            return holds(relation, order(value, key, match.comparator))
        case .count, .regex:
            return false  // counted by the caller over the whole value list; :regex is the interpreter's (regexCompare)
        case .matches:
            let pattern = glob(key, match.comparator)
            guard pattern.filter({ $0.isWildcard }).count <= maxWildcards else {
                throw .invalid(":matches key with more than \(maxWildcards) wildcards")
            }
            let v = canonical(value, match.comparator)
            let original = Array(value.unicodeScalars)
            var spans: [Range<Int>] = []
            guard try globMatch(pattern[...], v, 0, &spans, &budget) else { return false }
            let source = original.count == v.count ? original : v
            captures = [value] + spans.map { String(String.UnicodeScalarView(source[$0])) }
            return true
        }
    }

    static func holds(_ relation: SieveRelation, _ order: Int) -> Bool {
        switch relation {
        case .gt: order > 0
        case .ge: order >= 0
        case .lt: order < 0
        case .le: order <= 0
        case .eq: order == 0
        case .ne: order != 0
        }
    }

    static func order(_ a: String, _ b: String, _ comparator: SieveComparator) -> Int {
        if comparator == .asciiNumeric { return numericOrder(a, b) }
        let x = canonical(a, comparator).map(\.value), y = canonical(b, comparator).map(\.value)
        return x.lexicographicallyPrecedes(y) ? -1 : (x == y ? 0 : 1)
    }

    /// i;ascii-numeric (RFC 4790 §9.1): the leading digits as a number; a string without leading
    /// digits is positive infinity.
    static func numericOrder(_ a: String, _ b: String) -> Int {
        func number(_ s: String) -> [UInt8]? {
            let digits = s.utf8.prefix { $0 >= 48 && $0 <= 57 }
            guard !digits.isEmpty else { return nil }
            let trimmed = Array(digits.drop { $0 == 48 })
            return trimmed
        }
        switch (number(a), number(b)) {
        case (nil, nil): return 0
        case (nil, _): return 1
        case (_, nil): return -1
        case (let x?, let y?):
            if x.count != y.count { return x.count < y.count ? -1 : 1 }
            return x == y ? 0 : (x.lexicographicallyPrecedes(y) ? -1 : 1)
        }
    }

    enum GlobItem: Equatable {
        case literal(Unicode.Scalar), one, any
        var isWildcard: Bool { self == .one || self == .any }
    }

    /// A :matches key: "*" any sequence, "?" one character, "\" escapes the next (RFC 5228 §2.7.1).
    static func glob(_ key: String, _ comparator: SieveComparator) -> [GlobItem] {
        var items: [GlobItem] = []
        var literal = ""
        func flush() {
            items += canonical(literal, comparator).map(GlobItem.literal)
            literal = ""
        }
        var escaped = false
        for scalar in key.unicodeScalars {
            if escaped { literal.unicodeScalars.append(scalar); escaped = false; continue }
            switch scalar {
            case "\\": escaped = true
            case "*": flush(); items.append(.any)
            case "?": flush(); items.append(.one)
            default: literal.unicodeScalars.append(scalar)
            }
        }
        flush()
        return items
    }

    /// Wildcards match as little as possible, leftmost first (RFC 5229 §3.2's example).
    private static func globMatch(_ pattern: ArraySlice<GlobItem>, _ value: [Unicode.Scalar], _ start: Int,
                                  _ spans: inout [Range<Int>], _ budget: inout SieveBudget) throws(SieveRuntimeError) -> Bool {
        var p = pattern.startIndex, i = start
        let mark = spans.count
        while p < pattern.endIndex {
            try budget.charge()
            switch pattern[p] {
            case .literal(let c):
                guard i < value.count, value[i] == c else { spans.removeSubrange(mark...); return false }
                i += 1
            case .one:
                guard i < value.count else { spans.removeSubrange(mark...); return false }
                spans.append(i..<(i + 1))
                i += 1
            case .any:
                let rest = pattern[(p + 1)...]
                if rest.isEmpty { spans.append(i..<value.count); return true }
                for end in i...value.count {
                    spans.append(i..<end)
                    if try globMatch(rest, value, end, &spans, &budget) { return true }
                    spans.removeLast()
                }
                spans.removeSubrange(mark...)
                return false
            }
            p += 1
        }
        guard i == value.count else { spans.removeSubrange(mark...); return false }
        return true
    }
}
