import Foundation

/// One Sieve script of an account (RFC 5228; docs/sieve.md). At most one per account is active.
public struct SieveScript: Sendable, Equatable {
    public var name: String
    public var source: String
    public var active: Bool
    public var updatedAt: Date

    public init(name: String, source: String, active: Bool, updatedAt: Date) {
        self.name = name
        self.source = source
        self.active = active
        self.updatedAt = updatedAt
    }
}

/// Sieve scripts per account and the vacation replies already sent (RFC 5230 §4.2: one reply
/// per sender per handle per period). Kept apart from `MailStore` so a store gains it on its own.
public protocol SieveStore: Sendable {
    func sieveScripts(of account: AccountID) async throws -> [SieveScript]
    func sieveScript(of account: AccountID, named name: String) async throws -> SieveScript?
    /// The active script, if any.
    func activeSieveScript(of account: AccountID) async throws -> SieveScript?
    /// Inserts or replaces the script's source (its active state is kept).
    func putSieveScript(of account: AccountID, name: String, source: String, at date: Date) async throws
    /// Makes `name` the one active script; nil deactivates all. Throws if the script is missing.
    func activateSieveScript(of account: AccountID, named name: String?) async throws
    /// Renames a script, keeping its source and active state (RFC 5804 §2.11 RENAMESCRIPT), in one
    /// step: throws `SieveScriptNotFound` when `name` is missing, `SieveScriptExists` when `newName` is taken.
    func renameSieveScript(of account: AccountID, from name: String, to newName: String) async throws
    /// Returns whether a script of that name was there.
    func deleteSieveScript(of account: AccountID, named name: String) async throws -> Bool
    /// Records a vacation reply to `sender` under `handle` unless one was recorded after
    /// `notBefore`; returns true when the caller should send it (the check and the record are one step).
    func claimVacationReply(account: AccountID, sender: String, handle: String, at date: Date, notBefore: Date) async throws -> Bool
    /// RFC 7352 duplicate tracking: the account's keys that have not expired at `now`, at most
    /// `limit` of them (those expiring last).
    func sieveDuplicateKeys(of account: AccountID, at now: Date, limit: Int) async throws -> Set<String>
    /// Records each key with its expiry (a later record of a key replaces its expiry), then drops the
    /// account's keys expired at `now` and, beyond `limit`, those expiring first.
    func recordSieveDuplicates(of account: AccountID, _ entries: [SieveDuplicateEntry], at now: Date, limit: Int) async throws
}

/// One tracked message id (RFC 7352 §3): `key` is the digest of the handle and the unique id.
public struct SieveDuplicateEntry: Sendable, Equatable {
    public var key: String
    public var expires: Date

    public init(key: String, expires: Date) {
        self.key = key
        self.expires = expires
    }
}

public struct SieveScriptNotFound: Error, Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public init(name: String) { self.name = name }
    public var description: String { "no sieve script \"\(name)\"" }
}

public struct SieveScriptExists: Error, Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public init(name: String) { self.name = name }
    public var description: String { "a sieve script \"\(name)\" already exists" }
}
