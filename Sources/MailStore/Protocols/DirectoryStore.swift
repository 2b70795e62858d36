import MailCore
import SASL

/// Domains, accounts and aliases: who the server receives mail for and who may log in.
public protocol DirectoryStore: Sendable {
    func addDomain(_ domain: Domain) async throws
    func removeDomain(_ domain: Domain) async throws
    func domains() async throws -> [Domain]
    func isLocalDomain(_ domain: Domain) async throws -> Bool

    /// Creates the account with INBOX and the special-use mailboxes (`SpecialUse.defaultMailboxes`).
    @discardableResult
    func addAccount(_ address: EmailAddress, credentials: [SCRAMCredentials], quota: Quota) async throws -> Account
    /// Removes the account, its mailboxes, messages and body files.
    func removeAccount(_ address: EmailAddress) async throws
    /// Replaces the account's credentials. `cramMD5` nil removes any CRAM-MD5 record, so a new
    /// password never leaves an old plaintext equivalent behind.
    func setCredentials(_ address: EmailAddress, credentials: [SCRAMCredentials], cramMD5: CRAMMD5Credentials?) async throws
    func setQuota(_ address: EmailAddress, quota: Quota) async throws
    func setSenderPolicy(_ address: EmailAddress, policy: SenderAddressPolicy) async throws
    /// Grants or revokes the dashboard (docs/dashboard.md); accountNotFound when there is none.
    func setAdmin(_ address: EmailAddress, admin: Bool) async throws
    /// Turns S/MIME encryption at rest on or off (docs/smime.md); accountNotFound when there is none.
    func setSMIMEAtRest(_ address: EmailAddress, on: Bool) async throws
    /// Turns OpenPGP encryption at rest on or off (docs/openpgp.md); accountNotFound when there is none.
    func setOpenPGPAtRest(_ address: EmailAddress, on: Bool) async throws
    func account(_ address: EmailAddress) async throws -> Account?
    func account(id: AccountID) async throws -> Account?
    /// The account without its credentials (`credentials` empty, `cramMD5` nil; everything else as
    /// `account(_:)` gives it): what receiving mail needs. RCPT resolves every recipient through
    /// it, and decoding the password records was most of that read's cost (docs/PERFORMANCE.md,
    /// issue 24). Never use it to authenticate.
    func recipientAccount(_ address: EmailAddress) async throws -> Account?
    /// Only the account's quota and usage (nil when there is no such account): the same values
    /// as `account(id:)` gives, for callers that need nothing else (IMAP APPEND's pre-check).
    func accountQuota(id: AccountID) async throws -> AccountQuota?
    func accounts() async throws -> [Account]

    func addAlias(_ alias: Alias) async throws
    func removeAlias(_ source: AliasSource) async throws
    func alias(_ source: AliasSource) async throws -> Alias?
    func aliases() async throws -> [Alias]
}

/// Where mail for one envelope recipient goes (RFC 5321 §3.3 RCPT checks).
public enum RecipientResolution: Sendable, Equatable {
    /// Deliver into these local accounts' INBOXes (several when an alias fans out). The accounts
    /// are read without their credentials (`DirectoryStore.recipientAccount(_:)`).
    case local([Account])
    /// Local accounts plus addresses outside (an alias that forwards).
    case mixed(local: [Account], remote: [EmailAddress])
    /// The domain is ours but nobody has this address.
    case unknownUser
    /// Not one of our domains.
    case notLocal
}

extension DirectoryStore {
    /// New SCRAM keys without CRAM-MD5.
    public func setCredentials(_ address: EmailAddress, credentials: [SCRAMCredentials]) async throws {
        try await setCredentials(address, credentials: credentials, cramMD5: nil)
    }

    /// Resolves an envelope recipient: account, then account without `+tag` (RFC 5233
    /// subaddressing), then alias (also without `+tag`), then the domain's catch-all. Aliases may
    /// point at aliases, up to `maxAliasDepth` levels; loops end there.
    public func resolveRecipient(_ address: EmailAddress, maxAliasDepth: Int = 8) async throws -> RecipientResolution {
        guard try await isLocalDomain(address.domain) else { return .notLocal }
        var local: [Account] = []
        var remote: [EmailAddress] = []
        var seen = Set<String>()
        let found = try await expand(address, depth: 0, maxDepth: maxAliasDepth, local: &local, remote: &remote, seen: &seen)
        guard found else { return .unknownUser }
        if local.isEmpty && remote.isEmpty { return .unknownUser }
        return remote.isEmpty ? .local(local) : .mixed(local: local, remote: remote)
    }

    private func expand(
        _ address: EmailAddress, depth: Int, maxDepth: Int,
        local: inout [Account], remote: inout [EmailAddress], seen: inout Set<String>
    ) async throws -> Bool {
        guard seen.insert(address.canonical).inserted else { return true }
        guard try await isLocalDomain(address.domain) else {
            remote.append(address)
            return true
        }
        let bare = address.removingSubaddress()
        for candidate in [address, bare].compactMap({ $0 }) {
            if let account = try await recipientAccount(candidate) {
                if !local.contains(where: { $0.id == account.id }) { local.append(account) }
                return true
            }
        }
        var alias: Alias? = nil
        for candidate in [address, bare].compactMap({ $0 }) where alias == nil {
            alias = try await self.alias(.address(candidate))
        }
        if alias == nil { alias = try await self.alias(.catchAll(address.domain)) }
        guard let alias, depth < maxDepth else { return false }
        var any = false
        for target in alias.targets {
            if try await expand(target, depth: depth + 1, maxDepth: maxDepth, local: &local, remote: &remote, seen: &seen) {
                any = true
            }
        }
        return any
    }
}
