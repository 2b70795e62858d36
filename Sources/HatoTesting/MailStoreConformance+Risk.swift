import Foundation
import MailCore
import MailStore

extension MailStoreConformance {
    /// Correspondents are counted per account and direction, ordered by messages, keep the last
    /// display name, go with their account, and own names are listed apart.
    public func correspondents() async throws {
        let (store, alice, bob) = try await storeWithAccounts()
        let partner = try EmailAddress("Sato@Partner.example")
        let other = try EmailAddress("x@other.example")
        let day = Date(timeIntervalSince1970: 1_700_000_000)
        try await store.recordCorrespondence([Correspondence(account: alice.id, address: partner, displayName: "佐藤 一郎", direction: .sent),
                                              Correspondence(account: alice.id, address: other, direction: .sent)], at: day)
        try await store.recordCorrespondence([Correspondence(account: alice.id, address: partner, direction: .received),
                                              Correspondence(account: alice.id, address: partner, direction: .sent)], at: day.addingTimeInterval(60))
        try await store.recordCorrespondence([Correspondence(account: alice.id, address: alice.address, displayName: "Alice Example", direction: .own)], at: day)
        let list = try await store.correspondents(of: alice.id, limit: 10)
        try require(list.map(\.address.canonical) == ["sato@partner.example", "x@other.example"], "most messages first, own excluded: \(list)")
        try require(list[0].sent == 2 && list[0].received == 1 && list[0].messages == 3, "counted by direction: \(list[0])")
        try require(list[0].displayName == "佐藤 一郎", "a later exchange without a name keeps the name")
        try require(list[0].firstSeen == day && list[0].lastSeen == day.addingTimeInterval(60), "first and last seen")
        try require(try await store.correspondents(of: alice.id, limit: 1).count == 1, "limit")
        try require(try await store.correspondents(of: bob.id, limit: 10).isEmpty, "per account")
        let own = try await store.ownNames(limit: 10)
        try require(own.map(\.displayName) == ["Alice Example"] && own[0].account == alice.id, "own names: \(own)")
        try await store.removeAccount(alice.address)
        try require(try await store.ownNames(limit: 10).isEmpty, "removed with the account")
    }

    /// Quarantined messages keep envelope, verdict and body until removed.
    public func quarantine() async throws {
        let (store, alice, bob) = try await storeWithAccounts()
        let bytes = Self.message("held")
        let held = try await store.quarantine(QuarantineRequest(
            bytes: bytes, mailFrom: try EmailAddress("ceo@examp1e.example"), recipients: [alice.address, bob.address],
            verdict: "verdict=phishing; score=11; signals=lookalike-domain", reason: "lookalike-domain: examp1e.example", subject: "至急", from: "CEO <ceo@examp1e.example>"))
        try await requireThrows(MailStoreError.noRecipients) {
            _ = try await store.quarantine(QuarantineRequest(bytes: bytes, mailFrom: nil, recipients: [], verdict: "", reason: "", subject: nil, from: nil))
        }
        let list = try await store.quarantinedMessages()
        try require(list == [held], "listed as held: \(list)")
        try require(held.recipients == [alice.address, bob.address] && held.mailFrom?.description == "ceo@examp1e.example", "envelope kept")
        try require(held.size == Int64(bytes.count) && held.subject == "至急", "size and subject")
        try require(try await store.readBody(held.body) == bytes, "body kept byte for byte")
        try require(try await store.quarantinedMessage(held.id) == held, "found by id")
        try await store.removeQuarantined(held.id)
        try require(try await store.quarantinedMessages().isEmpty, "removed")
        try require(try await store.quarantinedMessage(held.id) == nil, "gone")
        try await requireThrows(MailStoreError.quarantinedMessageNotFound(held.id)) { try await store.removeQuarantined(held.id) }
    }
}
