// Which of several keywords occur in a text, in one pass (the first-contact payment wording).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The keywords of a list that occur in a text, found in one pass over its UTF-8 bytes: what
/// `keywords.filter { TextSearch.contains(text, $0) }` answers (a match counts only where it
/// starts and ends on Character boundaries), without a pass of its own per keyword. Eighteen
/// passes over a message's text, each stopping at every occurrence of a common letter, were
/// 160 K instructions of every inbound message from a new correspondent (issue 24).
///
/// The pass is Wu and Manber's multi-pattern search ("A fast algorithm for multi-pattern
/// searching", 1994): a window as long as the shortest keyword (`window` bytes) slides over the
/// text; the last two bytes of the window, hashed, say how far it may move without passing over
/// a keyword's start (`shifts`); only where they say 0 are the keywords whose window ends with
/// that block and whose first two bytes are the window's (`candidates`, `prefixes`) compared at
/// its start. Hash collisions only shorten moves. Keywords of one byte are left to `TextSearch`.
struct KeywordScan: Sendable {
    private let needles: [[UInt8]]
    /// Keywords too short for a two-byte block, searched on their own.
    private let short: [Int]
    /// The shortest keyword of two bytes or more, in bytes: the window.
    private let window: Int
    /// By the hash of a two-byte block (`hash`): how far the window may move when it ends with it.
    private let shifts: [UInt8]
    /// By the same hash: the keywords whose first `window` bytes end with such a block.
    private let candidates: [[Int]]
    /// Each keyword's first two bytes, first byte high.
    private let prefixes: [UInt16]
    /// Keywords of two bytes or more: what the pass looks for.
    private let longCount: Int

    init(_ keywords: [String]) {
        let needles = keywords.map { Array($0.utf8) }
        self.needles = needles
        short = needles.indices.filter { needles[$0].count == 1 }
        let long = needles.filter { $0.count >= 2 }
        longCount = long.count
        window = min(long.map(\.count).min() ?? 2, 256)
        var shifts = [UInt8](repeating: UInt8(window - 1), count: 4096)
        var candidates = [[Int]](repeating: [], count: 4096)
        for (index, needle) in needles.enumerated() where needle.count >= 2 {
            candidates[Self.hash(needle[window - 2], needle[window - 1])].append(index)
        }
        prefixes = needles.map { $0.count >= 2 ? UInt16($0[0]) << 8 | UInt16($0[1]) : 0 }
        self.candidates = candidates
        for needle in long {
            // The block ending at byte `end` of the window's first `window` bytes of the keyword.
            for end in 1..<window {
                let slot = Self.hash(needle[end - 1], needle[end])
                shifts[slot] = min(shifts[slot], UInt8(window - 1 - end))
            }
        }
        self.shifts = shifts
    }

    private static func hash(_ first: UInt8, _ second: UInt8) -> Int {
        (Int(first) << 4 ^ Int(second)) & 0xFFF
    }

    /// For each keyword, whether it occurs in `text`.
    func present(in text: String) -> [Bool] {
        var found = [Bool](repeating: false, count: needles.count)
        for index in short { found[index] = TextSearch.contains(text, String(decoding: needles[index], as: UTF8.self)) }
        var remaining = longCount
        guard remaining > 0 else { return found }
        var contiguous = text  // the same storage; `withUTF8` needs a variable
        contiguous.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            shifts.withUnsafeBufferPointer { shifts in
                var end = window - 1  // the window's last byte
                while end < bytes.count, remaining > 0 {
                    let slot = Self.hash(base[end - 1], base[end])
                    let shift = Int(shifts[slot])
                    if shift > 0 { end += shift; continue }
                    let start = end - (window - 1)
                    let prefix = UInt16(base[start]) << 8 | UInt16(base[start + 1])
                    for index in candidates[slot] where !found[index] && prefixes[index] == prefix {
                        let needle = needles[index]
                        guard start + needle.count <= bytes.count, memcmp(base + start, needle, needle.count) == 0,
                              TextSearch.onCharacterBoundaries(text, offset: start, count: needle.count) else { continue }
                        found[index] = true
                        remaining -= 1
                    }
                    end += 1
                }
            }
        }
        return found
    }
}
