@testable import RiskAssessment
import Testing

/// What the assessment keeps per recent list (`LookalikeMemo`, `KnownNamesMemo`): mail for
/// several recipients in turn finds each one's value, and the least recently used goes first.
@Suite struct RecentValuesTests {
    @Test func keepsTheRecentlyUsedLists() {
        let recent = RecentValues<[String], Int>(capacity: 2)
        var made = 0
        func value(_ key: [String]) -> Int { recent.value(for: key) { made += 1; return $0.count } }
        #expect(value(["a"]) == 1 && value(["b", "c"]) == 2 && made == 2)
        for _ in 0..<3 { _ = value(["a"]); _ = value(["b", "c"]) }
        #expect(made == 2, "two recipients in turn: both kept")
        _ = value(["a"])
        _ = value(["d"])  // ["b", "c"] was used least recently
        #expect(made == 3)
        _ = value(["a"])
        #expect(made == 3)
        _ = value(["b", "c"])
        #expect(made == 4)
    }
}
