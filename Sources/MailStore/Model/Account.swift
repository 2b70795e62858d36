import Foundation
import MailCore
import SASL

/// Limits per account; nil means unlimited.
public struct Quota: Sendable, Codable, Equatable {
    public var maxBytes: Int64?
    public var maxMessages: Int64?
    public init(maxBytes: Int64? = nil, maxMessages: Int64? = nil) {
        self.maxBytes = maxBytes
        self.maxMessages = maxMessages
    }
    public static let unlimited = Quota()
}

/// What an account currently holds, across all its mailboxes.
public struct QuotaUsage: Sendable, Equatable {
    public var bytes: Int64
    public var messages: Int64
    public init(bytes: Int64, messages: Int64) {
        self.bytes = bytes
        self.messages = messages
    }
}

/// An account's limits and what it holds: all the IMAP APPEND pre-check needs, read without
/// the rest of the account (its credentials are JSON to decode).
public struct AccountQuota: Sendable, Equatable {
    public var quota: Quota
    public var usage: QuotaUsage
    public init(quota: Quota, usage: QuotaUsage) {
        self.quota = quota
        self.usage = usage
    }
}

/// Which sender addresses an authenticated account may use in MAIL FROM and the header From
/// (RFC 6409 §6.1: a submission server may enforce that the sender is the authenticated user).
public enum SenderAddressPolicy: String, Sendable, Codable, CaseIterable {
    /// Its own address (with any +tag) and the alias addresses that deliver to it. The default.
    case own
    /// Any address in the account's own domain (a shared or role mailbox such as a web shop's).
    case domain
    /// Any address at all (an application relaying for many senders). Use sparingly: mail it
    /// sends in the name of other domains will fail their SPF/DMARC checks anyway.
    case any
}

/// A user who can log in and own mailboxes. Credentials are SCRAM keys (RFC 5802 §3), plus the
/// CRAM-MD5 key schedule for accounts that opted in: the password itself is never stored.
public struct Account: Sendable, Equatable {
    public let id: AccountID
    public let address: EmailAddress
    public var credentials: [SCRAMCredentials]
    /// Only for accounts set up with `hato account passwd --allow-cram-md5` (a plaintext
    /// equivalent for CRAM-MD5: see docs/authentication.md).
    public var cramMD5: CRAMMD5Credentials?
    public var quota: Quota
    public var usage: QuotaUsage
    public let createdAt: Date
    public var senderPolicy: SenderAddressPolicy
    /// May log in to the DMARC dashboard on the admin HTTP listener (`hato account admin`,
    /// docs/dashboard.md). Off for new accounts.
    public var isAdmin: Bool
    /// Every message delivered is stored encrypted to the account's S/MIME certificate
    /// (`hato smime at-rest`, docs/smime.md). Off for new accounts.
    public var smimeAtRest: Bool
    /// Every message delivered is stored PGP/MIME encrypted to the account's OpenPGP
    /// certificates (`hato pgp at-rest`, docs/openpgp.md). Off for new accounts.
    public var openpgpAtRest: Bool

    public init(
        id: AccountID, address: EmailAddress, credentials: [SCRAMCredentials], quota: Quota,
        usage: QuotaUsage, createdAt: Date, senderPolicy: SenderAddressPolicy = .own, cramMD5: CRAMMD5Credentials? = nil,
        isAdmin: Bool = false, smimeAtRest: Bool = false, openpgpAtRest: Bool = false
    ) {
        self.id = id
        self.address = address
        self.credentials = credentials
        self.cramMD5 = cramMD5
        self.quota = quota
        self.usage = usage
        self.createdAt = createdAt
        self.senderPolicy = senderPolicy
        self.isAdmin = isAdmin
        self.smimeAtRest = smimeAtRest
        self.openpgpAtRest = openpgpAtRest
    }

    public func credentials(for hash: SCRAMHash) -> SCRAMCredentials? {
        credentials.first { $0.hash == hash }
    }

    /// The account as `DirectoryStore.recipientAccount(_:)` gives it: no SCRAM keys, no CRAM-MD5.
    public var withoutCredentials: Account {
        var account = self
        account.credentials = []
        account.cramMD5 = nil
        return account
    }

    /// Verifies a plaintext password (PLAIN, LOGIN, USER/PASS) against the strongest stored key.
    public func verify(password: String) -> Bool {
        (credentials(for: .sha256) ?? credentials(for: .sha1))?.verify(password: password) ?? false
    }

    /// Derives the SCRAM-SHA-256 and SCRAM-SHA-1 keys stored for a new password.
    public static func deriveCredentials(
        password: String, iterations: Int = SCRAMCredentials.defaultIterations
    ) throws -> [SCRAMCredentials] {
        try [SCRAMHash.sha256, .sha1].map { try SCRAMCredentials.derive(password: password, hash: $0, iterations: iterations) }
    }
}

/// The left side of an alias: one address, or every address of a domain (catch-all, written
/// `@example.com`).
public enum AliasSource: Hashable, Sendable, CustomStringConvertible {
    case address(EmailAddress)
    case catchAll(Domain)

    public init(_ text: String) throws(MailCoreError) {
        if text.hasPrefix("@") {
            do { self = .catchAll(try Domain(String(text.dropFirst()))) } catch { throw .invalidAddress(text, error.description) }
        } else {
            self = .address(try EmailAddress(text))
        }
    }

    public var domain: Domain {
        switch self {
        case .address(let address): address.domain
        case .catchAll(let domain): domain
        }
    }

    /// The text stored and matched: canonical address or `@domain`.
    public var key: String {
        switch self {
        case .address(let address): address.canonical
        case .catchAll(let domain): "@" + domain.name
        }
    }

    public var description: String {
        switch self {
        case .address(let address): address.description
        case .catchAll(let domain): "@" + domain.name
        }
    }
}

public struct Alias: Sendable, Equatable {
    public let source: AliasSource
    public let targets: [EmailAddress]
    public init(source: AliasSource, targets: [EmailAddress]) {
        self.source = source
        self.targets = targets
    }
}
