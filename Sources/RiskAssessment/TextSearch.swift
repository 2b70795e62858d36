// Substring search over UTF-8, for the risk checks' keyword and URL scans of message text.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds a needle in text by comparing UTF-8 bytes, for text whose two sides are already in the
/// same form (NFKC and lower-cased for the keyword scan, the ASCII "http" for URLs). Foundation's
/// `range(of:)` folds every character cluster of the text for each needle, which took most of an
/// inbound message's CPU (docs/PERFORMANCE.md, issue 24); this finds the same matches: a match
/// counts only where it starts and ends on Character boundaries, as String comparison would.
enum TextSearch {
    /// `text.prefix(count)` without walking the Characters of a text that is shorter anyway
    /// (a Character is at least one UTF-8 byte).
    static func prefix(_ text: String, characters count: Int) -> Substring {
        text.utf8.count <= count ? text[...] : text.prefix(count)
    }

    static func contains(_ text: String, _ needle: String) -> Bool {
        firstRange(of: needle, in: Substring(text)) != nil
    }

    /// The first occurrence of `needle` in `text`, on Character boundaries; nil when there is none
    /// (or `needle` is empty).
    static func firstRange(of needle: String, in text: Substring) -> Range<String.Index>? {
        let pattern = Array(needle.utf8)
        guard let first = pattern.first else { return nil }
        let utf8 = text.utf8
        var offset = 0
        while let match = nextOffset(of: pattern, first: first, in: utf8, from: offset) {
            let start = utf8.index(utf8.startIndex, offsetBy: match)
            let end = utf8.index(start, offsetBy: pattern.count)
            if start.samePosition(in: text.base) != nil, end.samePosition(in: text.base) != nil { return start..<end }
            offset = match + 1
        }
        return nil
    }

    /// Whether the `count` bytes at UTF-8 offset `offset` of `text` start and end on Character
    /// boundaries (a match inside "e" + U+0301, or one ending between CR and LF, does not count).
    static func onCharacterBoundaries(_ text: String, offset: Int, count: Int) -> Bool {
        let utf8 = text.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: offset)
        let end = utf8.index(start, offsetBy: count)
        return start.samePosition(in: text) != nil && end.samePosition(in: text) != nil
    }

    /// `text.lowercased()` for ASCII text (A-Z to a-z, nothing else changes), in one pass over
    /// its bytes: the standard library's took 5-6 instructions an octet on a message's text.
    static func asciiLowercased(_ text: String) -> String {
        var source = text
        return source.withUTF8 { bytes in
            String(unsafeUninitializedCapacity: bytes.count) { out in
                for index in 0..<bytes.count {
                    let byte = bytes[index]
                    out[index] = byte &- 0x41 < 26 ? byte | 0x20 : byte
                }
                return bytes.count
            }
        }
    }

    /// The byte offset of the next occurrence of `pattern` at or after `from` (libc's memchr finds
    /// each candidate first byte, memcmp checks the rest).
    private static func nextOffset(of pattern: [UInt8], first: UInt8, in utf8: Substring.UTF8View, from: Int) -> Int? {
        if let found = utf8.withContiguousStorageIfAvailable({ search(pattern, first: first, in: $0, from: from) }) { return found }
        return Array(utf8).withUnsafeBufferPointer { search(pattern, first: first, in: $0, from: from) }
    }

    /// memchr looks for the pattern's rarest byte in English text (`anchor`), not its first: the
    /// keyword scan stopped at every "a" or "i" of the text, 2,600 memchr calls per message
    /// (issue 24). Anchor hits come in text order, so the first match found is the leftmost.
    private static func search(_ pattern: [UInt8], first: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let last = bytes.count - pattern.count  // the last offset a match can start at
        let shift = anchor(of: pattern)
        let wanted = pattern[shift]
        return pattern.withUnsafeBufferPointer { needle -> Int? in
            var offset = from
            while offset <= last {
                guard let hit = memchr(base + offset + shift, Int32(wanted), last - offset + 1) else { return nil }
                let at = UnsafeRawPointer(hit) - UnsafeRawPointer(base) - shift
                if memcmp(base + at, needle.baseAddress!, pattern.count) == 0 { return at }
                offset = at + 1
            }
            return nil
        }
    }

    /// The index of the byte of `pattern` least frequent in English text: letters by their
    /// frequency (space and vowels most frequent), anything else (digits, punctuation, UTF-8
    /// bytes) rarer than any letter. Only the speed depends on this choice.
    static func anchor(of pattern: [UInt8]) -> Int {
        var best = 0, bestRank = Int.max
        for (index, byte) in pattern.enumerated() {
            let rank = frequencyRank(byte)
            if rank < bestRank { (best, bestRank) = (index, rank) }
        }
        return best
    }

    /// Lower is rarer: UTF-8 continuation bytes (their lead bytes repeat across a script), then
    /// other non-letters, then "zqxjkvbpygfwmucldrhsnioate" and space.
    private static func frequencyRank(_ byte: UInt8) -> Int {
        if byte >= 0x80 && byte < 0xC0 { return 0 }
        let order: StaticString = "zqxjkvbpygfwmucldrhsnioate "
        var lowered = byte
        if byte >= 0x41 && byte <= 0x5A { lowered = byte + 0x20 }
        return order.withUTF8Buffer { letters in
            if let index = letters.firstIndex(of: lowered) { return index + 2 }
            return 1
        }
    }
}
