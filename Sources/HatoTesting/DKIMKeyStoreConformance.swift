import Foundation
import MailCore
import MailStore

/// What every store must do with DKIM keys (`DKIMKeyStore`), run by each backend's tests like
/// the rest of `MailStoreConformance`.
extension MailStoreConformance {
    public static let dkimChecks: [(String, @Sendable (MailStoreConformance) async throws -> Void)] = [
        ("dkimKeys", { try await $0.dkimKeys() }),
        ("dkimRotation", { try await $0.dkimRotation() }),
    ]

    static let pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMRESMVpezJpGXA7rAMcrn9g\n-----END PRIVATE KEY-----\n"

    public func dkimKeys() async throws {
        let store = try await makeStore()
        let other = try Domain("other.test")
        let created = Date(timeIntervalSince1970: 1_700_000_000)
        let rsa = StoredDKIMKey(domain: Self.domain, selector: "2026a-rsa", algorithm: .rsa, privateKeyPEM: Self.pem, created: created)
        try await store.addDKIMKey(rsa)
        try await store.addDKIMKey(StoredDKIMKey(domain: Self.domain, selector: "2026a-ed25519", algorithm: .ed25519,
                                                 privateKeyPEM: Self.pem, created: created, active: true))
        try await store.addDKIMKey(StoredDKIMKey(domain: other, selector: "s1", algorithm: .ed25519, privateKeyPEM: Self.pem,
                                                 created: created.addingTimeInterval(10)))
        try await requireThrows(MailStoreError.dkimKeyExists("example.test", selector: "2026a-rsa")) {
            try await store.addDKIMKey(rsa)
        }
        let keys = try await store.dkimKeys(domain: Self.domain)
        try require(keys.map(\.selector) == ["2026a-ed25519", "2026a-rsa"], "keys of one domain, by selector: \(keys.map(\.selector))")
        try require(keys[1] == rsa, "a key reads back as stored: \(keys[1])")
        try require(keys[0].active && !keys[1].active, "active flag kept")
        try require(try await store.dkimKeys(domain: nil).map(\.domain) == [Self.domain, Self.domain, other], "all domains")
        try require(try await store.activeDKIMKeys(domain: Self.domain).map(\.selector) == ["2026a-ed25519"], "active keys")
        try await store.removeDKIMKey(domain: Self.domain, selector: "2026a-rsa")
        try require(try await store.dkimKeys(domain: Self.domain).count == 1, "removed")
        try await requireThrows(MailStoreError.dkimKeyNotFound("example.test", selector: "2026a-rsa")) {
            try await store.removeDKIMKey(domain: Self.domain, selector: "2026a-rsa")
        }
    }

    public func dkimRotation() async throws {
        let store = try await makeStore()
        let old = Date(timeIntervalSince1970: 1_700_000_000), new = old.addingTimeInterval(86_400)
        for (selector, created, active) in [("a-rsa", old, true), ("a-ed25519", old, true), ("b-rsa", new, false), ("b-ed25519", new, false)] {
            try await store.addDKIMKey(StoredDKIMKey(domain: Self.domain, selector: selector, algorithm: selector.hasSuffix("rsa") ? .rsa : .ed25519,
                                                     privateKeyPEM: Self.pem, created: created, active: active))
        }
        try require(try await store.dkimKeys(domain: Self.domain).map(\.selector) == ["b-ed25519", "b-rsa", "a-ed25519", "a-rsa"],
                    "newest first")
        try await store.activateDKIMSelectors(["b-rsa", "b-ed25519"], domain: Self.domain)
        let active = try await store.activeDKIMKeys(domain: Self.domain).map(\.selector)
        try require(active == ["b-ed25519", "b-rsa"], "exactly the new selectors are active: \(active)")
        try await requireThrows(MailStoreError.dkimKeyNotFound("example.test", selector: "zzz")) {
            try await store.activateDKIMSelectors(["zzz"], domain: Self.domain)
        }
        try require(try await store.activeDKIMKeys(domain: Self.domain).count == 2, "a failed activation changes nothing")
    }
}
