import Foundation
import MailCore
import MailStore

extension MailStoreConformance {
    /// RFC 7352 duplicate tracking: keys are per account, count until they expire, a new record
    /// replaces a key's expiry, expired keys are pruned, and at most `limit` are kept.
    public func sieveDuplicates() async throws {
        let made = try await makeStore()
        guard let store = made as? any SieveStore else { throw ConformanceFailure("the store is not a SieveStore", file: #file, line: #line) }
        try await made.addDomain(try Domain("example.test"))
        let alice = try await made.addAccount(try EmailAddress("alice@example.test"), credentials: [], quota: .unlimited)
        let bob = try await made.addAccount(try EmailAddress("bob@example.test"), credentials: [], quota: .unlimited)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try require(try await store.sieveDuplicateKeys(of: alice.id, at: now, limit: 10).isEmpty, "nothing tracked yet")
        try await store.recordSieveDuplicates(of: alice.id, [SieveDuplicateEntry(key: "k1", expires: now + 100),
                                                            SieveDuplicateEntry(key: "k2", expires: now + 10)], at: now, limit: 10)
        try require(try await store.sieveDuplicateKeys(of: alice.id, at: now, limit: 10) == ["k1", "k2"], "both keys count")
        try require(try await store.sieveDuplicateKeys(of: bob.id, at: now, limit: 10).isEmpty, "keys are per account")
        try require(try await store.sieveDuplicateKeys(of: alice.id, at: now + 50, limit: 10) == ["k1"], "an expired key does not count")
        try require(try await store.sieveDuplicateKeys(of: alice.id, at: now, limit: 1) == ["k1"], "the limit keeps the latest expiring")

        // A refresh (:last) moves the expiry; recording later prunes the expired k2.
        try await store.recordSieveDuplicates(of: alice.id, [SieveDuplicateEntry(key: "k2", expires: now + 200)], at: now, limit: 10)
        try require(try await store.sieveDuplicateKeys(of: alice.id, at: now + 150, limit: 10) == ["k2"], "a new record replaces the expiry")
        try await store.recordSieveDuplicates(of: alice.id, [SieveDuplicateEntry(key: "k3", expires: now + 400)], at: now + 300, limit: 10)
        try require(try await store.sieveDuplicateKeys(of: alice.id, at: .distantPast, limit: 10) == ["k3"], "expired keys are pruned")

        try await store.recordSieveDuplicates(of: bob.id, (0..<5).map { SieveDuplicateEntry(key: "b\($0)", expires: now + Double(10 * $0 + 10)) },
                                              at: now, limit: 3)
        try require(try await store.sieveDuplicateKeys(of: bob.id, at: .distantPast, limit: 100) == ["b2", "b3", "b4"],
                    "beyond the limit the keys expiring first go")
        try require(try await store.sieveDuplicateKeys(of: alice.id, at: .distantPast, limit: 10) == ["k3"], "another account's limit does not touch these")
    }
}
