import Foundation
import MailCore
import MailStore

extension MailStoreConformance {
    /// Autocrypt Level 1 §2.3 peer state: created only from a key, per account, a newer key
    /// replaces it, an older message changes nothing, one without a key moves only last_seen,
    /// at most `limit` peers per account (those seen longest ago go), removed with the account.
    public func autocryptPeers() async throws {
        let store = try await makeStore()
        try await store.addDomain(try Domain("example.test"))
        let alice = try EmailAddress("alice@example.test"), bob = try EmailAddress("bob@example.test")
        _ = try await store.addAccount(alice, credentials: [], quota: .unlimited)
        _ = try await store.addAccount(bob, credentials: [], quota: .unlimited)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let first = AutocryptKey(fingerprint: "AAAA", data: [1, 2, 3], preferEncrypt: false)
        let second = AutocryptKey(fingerprint: "BBBB", data: [4, 5], preferEncrypt: true)

        try await store.recordAutocrypt(account: alice, address: "Dan@Example.net", seen: t0, key: nil, limit: 10)
        try require(try await store.autocryptPeers(account: alice, address: nil).isEmpty, "no peer from a message without a key")
        try await store.recordAutocrypt(account: alice, address: "Dan@Example.net", seen: t0, key: first, limit: 10)
        var peers = try await store.autocryptPeers(account: alice, address: "dan@example.net")
        try require(peers == [AutocryptPeer(address: "dan@example.net", lastSeen: t0, autocryptTimestamp: t0, key: first)], "created: \(peers)")
        try require(try await store.autocryptPeers(account: bob, address: nil).isEmpty, "peers are per account")

        try await store.recordAutocrypt(account: alice, address: "dan@example.net", seen: t0 - 60, key: second, limit: 10)
        try require(try await store.autocryptPeers(account: alice, address: "dan@example.net").first?.key == first, "an older message changes nothing")
        try await store.recordAutocrypt(account: alice, address: "dan@example.net", seen: t0 + 60, key: nil, limit: 10)
        peers = try await store.autocryptPeers(account: alice, address: "dan@example.net")
        try require(peers.first?.lastSeen == t0 + 60 && peers.first?.autocryptTimestamp == t0 && peers.first?.key == first,
                    "without a key only last_seen moves: \(peers)")
        try await store.recordAutocrypt(account: alice, address: "dan@example.net", seen: t0 + 120, key: second, limit: 10)
        peers = try await store.autocryptPeers(account: alice, address: "dan@example.net")
        try require(peers == [AutocryptPeer(address: "dan@example.net", lastSeen: t0 + 120, autocryptTimestamp: t0 + 120, key: second)],
                    "a newer key replaces the old: \(peers)")

        for index in 0..<4 {
            try await store.recordAutocrypt(account: bob, address: "p\(index)@example.net", seen: t0 + Double(index), key: first, limit: 3)
        }
        let kept = try await store.autocryptPeers(account: bob, address: nil).map(\.address)
        try require(kept == ["p1@example.net", "p2@example.net", "p3@example.net"], "beyond the limit the peer seen longest ago goes: \(kept)")
        try await requireThrows(MailStoreError.accountNotFound("carol@example.test")) {
            try await store.recordAutocrypt(account: try EmailAddress("carol@example.test"), address: "dan@example.net", seen: t0, key: first, limit: 3)
        }
        try await store.removeAccount(bob)
        try require(try await store.autocryptPeers(account: bob, address: nil).isEmpty, "removed with the account")
    }
}
