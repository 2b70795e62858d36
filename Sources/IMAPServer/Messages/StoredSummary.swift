// The parsed summary stored with each message (JSON of MailMessage.MessageSummary, written by
// HatoServer's MessageSummaries at delivery), or the same summary computed from the body.
import Foundation
import MailMessage
import MailStore
import Synchronization

enum StoredSummary {
    /// The stored summary when it decodes and describes exactly `body` (when given); otherwise
    /// the body is parsed. nil only when there is neither a usable summary nor a body.
    static func summary(of message: StoredMessage, body: [UInt8]?, limits: MessageLimits = .default) -> MessageSummary? {
        if let summary = decoded(message), body == nil || summary.size == body!.count {
            return summary
        }
        return body.map { MessageSummary(parsing: $0, limits: limits) }
    }

    /// The message's stored summary, decoded once per process while it stays in the cache.
    /// Keyed by the stored JSON itself, so an entry can never stand for other content (whatever
    /// store or body naming produced it); hashing and comparing it costs far less than decoding.
    /// (JSON decoding was the largest cost of SEARCH on envelope fields and of FETCH
    /// ENVELOPE/BODYSTRUCTURE.)
    static func decoded(_ message: StoredMessage) -> MessageSummary? {
        guard let data = message.summary else { return nil }
        return SummaryCache.shared.summary(for: data) { decode(data) }
    }

    /// The one stored form (MessageSummary+Stored.swift).
    static func decode(_ data: Data) -> MessageSummary? {
        MessageSummary(storedForm: data)
    }
}

/// A bounded map from stored summary JSON to decoded summary, shared by every session. Two generations:
/// lookups that hit the older one move the entry forward; when the newer one is full the older
/// is dropped. So memory stays under 2 × `limit` entries (a few KiB each) and what clients
/// keep touching stays.
final class SummaryCache: Sendable {
    static let shared = SummaryCache(limit: 1024)

    private struct Generations {
        var current: [SummaryKey: MessageSummary] = [:]
        var previous: [SummaryKey: MessageSummary] = [:]
    }

    private let limit: Int
    private let generations = Mutex(Generations())

    init(limit: Int) { self.limit = limit }

    func summary(for json: Data, decode: () -> MessageSummary?) -> MessageSummary? {
        let key = SummaryKey(json)
        if let hit = lookup(key) { return hit }
        // Decoded outside the lock; two sessions may decode the same summary at once, harmlessly.
        guard let summary = decode() else { return nil }
        insert(summary, for: key)
        return summary
    }

    var count: Int { generations.withLock { $0.current.count + $0.previous.count } }

    private func lookup(_ key: SummaryKey) -> MessageSummary? {
        generations.withLock { g in
            if let hit = g.current[key] { return hit }
            guard let hit = g.previous.removeValue(forKey: key) else { return nil }
            Self.add(hit, for: key, to: &g, limit: limit)
            return hit
        }
    }

    private func insert(_ summary: MessageSummary, for key: SummaryKey) {
        generations.withLock { Self.add(summary, for: key, to: &$0, limit: limit) }
    }

    private static func add(_ summary: MessageSummary, for key: SummaryKey, to g: inout Generations, limit: Int) {
        if g.current.count >= limit {
            g.previous = g.current
            g.current = [:]
        }
        g.current[key] = summary
    }
}

/// Stored summary JSON as a dictionary key. Equality compares every byte; the hash takes the
/// length, the first 128 bytes (size, date, subject: what tells most summaries apart) and 8
/// bytes at each of up to 32 points spread over the rest, so that a lookup does not hash
/// kilobytes (hashing whole summaries was 2% of the IMAP mix's CPU, issue 24). Foundation's
/// `Data` hashes only a prefix, and summaries of similar messages share long prefixes; two that
/// agree at every sampled point only share a bucket.
struct SummaryKey: Hashable {
    let json: Data

    init(_ json: Data) { self.json = json }

    func hash(into hasher: inout Hasher) {
        json.withUnsafeBytes { raw in
            hasher.combine(raw.count)
            let head = min(raw.count, 128)
            hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: raw[0..<head]))
            guard raw.count - head >= 8 else { return hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: raw[head...])) }
            // Words rather than byte runs: each combine(bytes:) call has a fixed cost of its own.
            let stride = max(8, (raw.count - head) / 32)
            for at in Swift.stride(from: head, through: raw.count - 8, by: stride) {
                hasher.combine(raw.loadUnaligned(fromByteOffset: at, as: UInt64.self))
            }
            hasher.combine(raw.loadUnaligned(fromByteOffset: raw.count - 8, as: UInt64.self))
        }
    }
}
