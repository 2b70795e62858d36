import CICU

/// draft-ietf-sieve-regex-01 `:regex`, run by ICU's uregex with bounds: a pattern length
/// (`SieveLimits.maxRegexSize`), ICU's time limit per search (`regexTimeLimit`) and its backtrack
/// stack (`regexStackLimit`). Swift's own Regex backtracks without any bound, so it is not used.
/// The draft names POSIX extended syntax; ICU's is a superset of it with a few differences
/// (docs/sieve.md "regex").
enum SieveRegex {
    enum Outcome: Equatable {
        /// ${0} (the whole match) and the groups ${1}..${9}; "" for a group that took no part.
        case match([String])
        case noMatch
        /// The pattern is not a regular expression ICU accepts, or is too long.
        case invalid(String)
        /// A bound was hit: the test is false.
        case limit(String)
    }

    /// Match variables beyond ${9} are not kept (RFC 5229 §3 lets an implementation stop there).
    static let maxGroups = 10

    static func find(_ pattern: String, in text: String, caseInsensitive: Bool, limits: SieveLimits) -> Outcome {
        guard pattern.utf8.count <= limits.maxRegexSize else { return .invalid("pattern longer than \(limits.maxRegexSize) octets") }
        let utf16Pattern = Array(pattern.utf16), utf16Text = Array(text.utf16)
        guard utf16Text.count < Int(Int32.max) else { return .limit("text too long") }
        var groups = [Int32](repeating: -1, count: 2 * maxGroups)
        var groupCount: Int32 = 0, errorOffset: Int32 = -1
        let result = cicu_regex_find(utf16Pattern, Int32(utf16Pattern.count), caseInsensitive ? 1 : 0,
                                     utf16Text, Int32(utf16Text.count), Int32(clamping: limits.regexTimeLimit),
                                     Int32(clamping: limits.regexStackLimit), &groups, Int32(maxGroups), &groupCount, &errorOffset)
        switch result {
        case 1:
            let kept = min(maxGroups, Int(groupCount) + 1)
            return .match((0..<kept).map { group in
                let start = Int(groups[2 * group]), end = Int(groups[2 * group + 1])
                guard start >= 0, end >= start, end <= utf16Text.count else { return "" }
                return String(decoding: utf16Text[start..<end], as: UTF16.self)
            })
        case 0: return .noMatch
        case -1: return .invalid("not a valid regular expression (at character \(max(errorOffset, 0) + 1))")
        case -2: return .limit("time limit hit")
        case -3: return .limit("stack limit hit")
        default: return .limit("regular expression engine failed")
        }
    }

    /// A compile-time check of a literal key (one without "${", which variables could change).
    static func problem(_ pattern: String, limits: SieveLimits) -> String? {
        if case .invalid(let why) = find(pattern, in: "", caseInsensitive: false, limits: limits) { return why }
        return nil
    }
}

/// `:regex` tests (draft-ietf-sieve-regex-01 §3-§5).
extension SieveInterpreter {
    /// Any value against any key; the first match sets ${0}..${9} (with variables). A pattern that
    /// is invalid or hits a bound makes the whole test false, and the run notes why (logged).
    mutating func regexCompare(_ values: [String], _ keys: [String], _ match: SieveMatch) throws(SieveRuntimeError) -> Bool {
        let clock = ContinuousClock()
        for value in values {
            for key in keys {
                try budget.charge(1 + (value.utf8.count + key.utf8.count) / 256)
                guard regexTime < limits.regexRunTime else {
                    note(":regex tests of this run took over \(limits.regexRunTime); the test is false")
                    return false
                }
                var outcome = SieveRegex.Outcome.noMatch
                regexTime += clock.measure {
                    outcome = SieveRegex.find(key, in: value, caseInsensitive: match.comparator != .octet, limits: limits)
                }
                switch outcome {
                case .match(let groups):
                    if program.usesVariables { variables.matched = groups.map(variables.truncated) }
                    return true
                case .noMatch: continue
                case .invalid(let why), .limit(let why):
                    note(":regex \"\(String(key.prefix(80)))\": \(why); the test is false")
                    return false
                }
            }
        }
        return false
    }

    /// Something the delivery logs (at most `maxNotes` per run).
    mutating func note(_ text: String) {
        guard notes.count < Self.maxNotes, !notes.contains(text) else { return }
        notes.append(text)
    }

    static let maxNotes = 16
}
