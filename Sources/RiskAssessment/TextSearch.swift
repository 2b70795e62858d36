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

    /// The byte offset of the next occurrence of `pattern` at or after `from` (libc's memchr finds
    /// each candidate first byte, memcmp checks the rest).
    private static func nextOffset(of pattern: [UInt8], first: UInt8, in utf8: Substring.UTF8View, from: Int) -> Int? {
        if let found = utf8.withContiguousStorageIfAvailable({ search(pattern, first: first, in: $0, from: from) }) { return found }
        return Array(utf8).withUnsafeBufferPointer { search(pattern, first: first, in: $0, from: from) }
    }

    private static func search(_ pattern: [UInt8], first: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let last = bytes.count - pattern.count  // the last offset a match can start at
        return pattern.withUnsafeBufferPointer { needle -> Int? in
            var offset = from
            while offset <= last {
                guard let hit = memchr(base + offset, Int32(first), last - offset + 1) else { return nil }
                let at = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
                if memcmp(base + at, needle.baseAddress!, pattern.count) == 0 { return at }
                offset = at + 1
            }
            return nil
        }
    }
}
