// The revocation cache: CRLs by URL and OCSP answers by certificate, each until its nextUpdate
// (RFC 5280 §5.1.2.5, RFC 6960 §4.2.2.1), within a byte budget (`smime.revocation_cache_size`;
// the oldest entries go first), and URLs that failed in the last minute. In memory only: a
// restart asks again.

import Foundation

actor SMIMERevocationCache {
    struct Entry {
        var crl: [UInt8]?
        var ocsp: SMIMERevocationStatus?
        var until: Date
        var stored: UInt64
        var size: Int { (crl?.count ?? 0) + 256 }
    }

    let capacity: Int
    /// An unreachable URL is not asked again for this long.
    static let failureMemory: TimeInterval = 60
    /// The most URLs remembered as failed.
    static let maxFailures = 1024
    private var entries: [String: Entry] = [:]
    private var failures: [String: Date] = [:]
    private var size = 0
    private var counter: UInt64 = 0

    init(capacity: Int) { self.capacity = capacity }

    func crl(_ url: String) -> [UInt8]? { live("crl " + url)?.crl }
    func ocspStatus(_ key: String) -> SMIMERevocationStatus? { live(key)?.ocsp }

    func keepCRL(_ url: String, _ bytes: [UInt8], until: Date) {
        keep("crl " + url, Entry(crl: bytes, ocsp: nil, until: until, stored: 0))
    }

    func forgetCRL(_ url: String) { remove("crl " + url) }

    /// Good answers until their nextUpdate; a revocation for a day (it is not undone, RFC 5280
    /// §5.3.1 certificateHold aside).
    func keepOCSP(_ key: String, _ status: SMIMERevocationStatus) {
        switch status {
        case .good(let until?): keep(key, Entry(crl: nil, ocsp: status, until: until, stored: 0))
        case .revoked: keep(key, Entry(crl: nil, ocsp: status, until: Date().addingTimeInterval(86_400), stored: 0))
        default: break
        }
    }

    func recentlyFailed(_ url: String) -> Bool {
        guard let when = failures[url] else { return false }
        if Date().timeIntervalSince(when) < Self.failureMemory { return true }
        failures[url] = nil
        return false
    }

    func failed(_ url: String) {
        if failures.count >= Self.maxFailures {
            let now = Date()
            failures = failures.filter { now.timeIntervalSince($0.value) < Self.failureMemory }
            if failures.count >= Self.maxFailures { failures.removeAll() }
        }
        failures[url] = Date()
    }

    var bytes: Int { size }

    private func live(_ key: String) -> Entry? {
        guard let entry = entries[key] else { return nil }
        guard entry.until > Date() else { remove(key); return nil }
        return entry
    }

    private func keep(_ key: String, _ entry: Entry) {
        remove(key)
        guard entry.size <= capacity else { return }
        while size + entry.size > capacity, let oldest = entries.min(by: { $0.value.stored < $1.value.stored })?.key { remove(oldest) }
        counter += 1
        var stored = entry
        stored.stored = counter
        entries[key] = stored
        size += stored.size
    }

    private func remove(_ key: String) {
        if let old = entries.removeValue(forKey: key) { size -= old.size }
    }
}
