// A display name is compared with every VIP's, every local user's and each frequent
// correspondent's name. With thousands of them, one by one, that was millions of instructions
// per message (docs/PERFORMANCE.md, issue 24); the names are indexed instead: equal folded
// names and equal sorted words are looked up, and only Latin names within one letter of the
// length are compared for one edit. The answer is the one the list read in order gives.

/// One list's folded names, indexed for `PersonName.matches`.
struct KnownNames: Sendable {
    private var byFolded: [String: [Int]] = [:]
    private var bySortedWords: [String: [Int]] = [:]
    /// Latin names by length, the only ones one edit can reach (`PersonName.matches`).
    private var latinByLength: [Int: [Int]] = [:]
    private var folded: [PersonName?] = []

    init(_ names: [String?], memo: PersonNameMemo) {
        for (index, text) in names.enumerated() {
            let name = text.flatMap(memo.name)
            folded.append(name)
            guard let name else { continue }
            byFolded[name.folded, default: []].append(index)
            if name.sortedWords != name.folded { bySortedWords[name.sortedWords, default: []].append(index) }
            if name.isLatin { latinByLength[name.scalars.count, default: []].append(index) }
        }
    }

    /// The positions of the names that match `name`, in list order: those the lookups find
    /// (every match is among them), each confirmed by `PersonName.matches`.
    func matches(_ name: PersonName) -> [Int] {
        // A known name whose words are in order has its sorted words under `byFolded`.
        var candidates = (byFolded[name.folded] ?? []) + (byFolded[name.sortedWords] ?? []) + (bySortedWords[name.sortedWords] ?? [])
        if name.isLatin, name.scalars.count >= 8 {
            for length in (name.scalars.count - 1)...(name.scalars.count + 1) { candidates += latinByLength[length] ?? [] }
        }
        candidates.sort()
        var matches: [Int] = []
        for index in candidates where index != matches.last && folded[index].map(name.matches) == true { matches.append(index) }
        return matches
    }
}

/// The `KnownNames` of recent lists of people (the VIPs, the local users, the recipients'
/// correspondents): the reception stage keeps its lists between messages, so finding one
/// mostly compares an array with itself.
final class KnownNamesMemo<Person: Equatable & Sendable>: Sendable {
    private let recent: RecentValues<[Person], KnownNames>

    init(capacity: Int) {
        recent = RecentValues(capacity: capacity)
    }

    func names(_ people: [Person], memo: PersonNameMemo, name: (Person) -> String?) -> KnownNames {
        recent.value(for: people) { KnownNames($0.map(name), memo: memo) }
    }
}
