import Foundation
import MailStore

extension MailStoreConformance {
    /// Triplets are stored and replaced by key, sender domains count their passes, and the
    /// sweep removes what was last seen before its date, both kinds.
    public func greylist() async throws {
        let store = try await makeStore()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let triplet = GreylistTriplet(network: "192.0.2.0/24", sender: "a@remote.example", recipient: "alice@example.test")
        let other = GreylistTriplet(network: "2001:db8:1:2::/64", sender: "<>", recipient: "alice@example.test")
        try require(try await store.greylistRecord(triplet) == nil, "an unknown triplet has no record")
        var record = GreylistRecord(triplet: triplet, firstSeen: start, lastSeen: start, passed: false, attempts: 1)
        try await store.saveGreylistRecord(record)
        try await store.saveGreylistRecord(GreylistRecord(triplet: other, firstSeen: start, lastSeen: start.addingTimeInterval(7200),
                                                          passed: true, attempts: 2))
        try require(try await store.greylistRecord(triplet) == record, "the record reads back")
        record.passed = true
        record.attempts = 3
        record.lastSeen = start.addingTimeInterval(400)
        try await store.saveGreylistRecord(record)
        try require(try await store.greylistRecord(triplet) == record, "saving again replaces the record")

        try await store.recordGreylistPass(domain: "Remote.Example", at: start)
        try await store.recordGreylistPass(domain: "remote.example", at: start.addingTimeInterval(60))
        try require(try await store.greylistPasses(domain: "remote.example", since: start) == 2, "passes count per domain, any case")
        try require(try await store.greylistPasses(domain: "remote.example", since: start.addingTimeInterval(61)) == 0,
                   "a domain not seen since the date has none")
        try require(try await store.greylistPasses(domain: "other.example", since: .distantPast) == 0, "an unknown domain has none")

        let removed = try await store.removeExpiredGreylistEntries(before: start.addingTimeInterval(3600))
        try require(removed == 2, "the triplet and the domain last seen before the date go (\(removed))")
        try require(try await store.greylistRecord(triplet) == nil, "the expired triplet is gone")
        try require(try await store.greylistRecord(other)?.passed == true, "the one seen later stays")
        try await store.close()
    }
}
