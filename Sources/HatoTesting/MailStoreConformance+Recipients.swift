import Foundation
import MailCore
import MailStore
import SASL

extension MailStoreConformance {
    /// `recipientAccount(_:)` (RCPT's read) is `account(_:)` without credentials: every other
    /// field the same, set to values that differ from the defaults and from each other so a
    /// column read in the wrong place shows; nil for an unknown address; and what
    /// `resolveRecipient` hands on carries no password records.
    public func recipientAccounts() async throws {
        let (store, _, bob) = try await storeWithAccounts(quota: Quota(maxBytes: 7_000_001, maxMessages: 42))
        try await store.setCredentials(Self.alice, credentials: try Account.deriveCredentials(password: "cram-pw"),
                                       cramMD5: CRAMMD5Credentials.derive(password: "cram-pw"))
        try await store.setSenderPolicy(Self.alice, policy: .domain)
        try await store.setAdmin(Self.alice, admin: true)
        try await store.setSMIMEAtRest(Self.alice, on: true)
        guard let inbox = try await store.mailbox(of: try requireAccount(store, Self.alice).id, named: "INBOX") else {
            throw ConformanceFailure("no INBOX")
        }
        _ = try await store.append(AppendRequest(bytes: Self.message("usage", size: 300)), to: inbox.id)
        let full = try await requireAccount(store, Self.alice)
        try require(!full.credentials.isEmpty && full.cramMD5 != nil, "the full read has the credentials")
        try require(full.usage.messages == 1 && full.usage.bytes > 0, "usage counted")
        let reception = try await store.recipientAccount(try EmailAddress("ALICE@Example.Test"))
        try require(reception == full.withoutCredentials, "recipientAccount is account without credentials, got \(String(describing: reception))")
        try require(reception?.credentials.isEmpty == true && reception?.cramMD5 == nil, "no password records")
        try await store.setOpenPGPAtRest(Self.bob, on: true)
        try require(try await store.recipientAccount(Self.bob) == (try await store.account(Self.bob))?.withoutCredentials,
                    "defaults and the OpenPGP flag")
        try require(try await store.recipientAccount(bob.address)?.openpgpAtRest == true, "OpenPGP at rest read")
        try require(try await store.recipientAccount(try EmailAddress("nobody@example.test")) == nil, "no account, nil")
        guard case .local(let accounts) = try await store.resolveRecipient(Self.alice) else {
            throw ConformanceFailure("alice does not resolve locally")
        }
        try require(accounts == [full.withoutCredentials], "resolution carries the account without credentials")
        try await store.close()
    }

    private func requireAccount(_ store: any MailStore, _ address: EmailAddress) async throws -> Account {
        guard let account = try await store.account(address) else { throw ConformanceFailure("no account \(address)") }
        return account
    }
}
