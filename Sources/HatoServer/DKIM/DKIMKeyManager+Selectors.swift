import Foundation

extension DKIMKeyManager {
    /// A selector named after the year it was made, `2026a`, then `2026b` and so on when a key
    /// of that batch (`2026a`, `2026a-rsa`, `2026a-ed25519`) already exists: selectors are never
    /// reused, so a new key never meets a cached record of an old one.
    public static func datedSelector(taken: [String], now: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let year = calendar.component(.year, from: now)
        let used = Set(taken.map { $0.lowercased() })
        for letter in "abcdefghijklmnopqrstuvwxyz" {
            let base = "\(year)\(letter)"
            if !used.contains(where: { $0 == base || $0.hasPrefix(base + "-") }) { return base }
        }
        // Twenty-six batches in one year: fall back to the full date and time.
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = calendar.timeZone
        formatter.dateFormat = "yyyyMMdd'T'HHmmss"
        return formatter.string(from: now)
    }
}
