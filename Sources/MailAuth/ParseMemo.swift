// Parses of record and field texts remembered by the text, shared by every message (issue 24).
//
// Reception parses the same texts again and again: the sender's `_dmarc` record and DKIM key
// record arrive from the resolver's cache for every message from that domain, and each
// DMARC discovery (at MAIL FROM, at the header, at the end of DATA) parses them again; a
// message's DKIM-Signature is parsed when the header arrives (to prefetch the key) and again
// when it is verified. The parsers are pure functions of the text, so their result for a text
// seen before can be returned as it was: nothing depends on when or how often a text is parsed.

import Synchronization

/// A bounded map from a text to what a pure parse made of it.
final class ParseMemo<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let entries = Mutex<[Key: Value]>([:])
    /// Most entries kept. When full, the map is emptied: the texts in use at one time (a few
    /// hundred domains' records, the signatures of the messages in flight) come back after one
    /// parse each, and a flood of distinct texts costs no more than parsing them did.
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// The value remembered for `key`, or `parse(key)`'s, remembered. The parse runs outside the
    /// lock; two threads parsing the same new text both parse and store the same value.
    func value(_ key: Key, _ parse: (Key) -> Value) -> Value {
        #if FUZZING
        // Fuzz builds parse every time. libFuzzer's leak check runs after each input that
        // allocated more than it freed, and an entry kept here is reachable only through
        // pointers Swift stores with enum tags in their spare high bits (a directive's
        // `include(SPFMacroString)`, a `Result`), which LeakSanitizer cannot recognise: every
        // new record text was reported as a leak (spf target). The parsers are what is fuzzed.
        return parse(key)
        #else
        if let known = entries.withLock({ $0[key] }) { return known }
        let value = parse(key)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = value
        }
        return value
        #endif
    }

    /// Entries kept now (for tests).
    var count: Int { entries.withLock { $0.count } }
}

/// Bytes as a memo key, hashed in one call: `[UInt8]`'s own `hash(into:)` feeds the hasher one
/// element at a time, 21 instructions an octet, and a DKIM-Signature field is 500 octets or
/// more, hashed at each of its two parses per message (issue 24).
struct ByteKey: Hashable, Sendable {
    let bytes: [UInt8]

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
