/// The POP3 maildrop lock (RFC 1939 §8) where the store is shared by several nodes
/// (docs/scaling.md "POP3 across nodes"): a lease per account with an owner and an expiry, so a
/// second session on any node gets `-ERR [IN-USE]` (RFC 2449 §8.1.1, RFC 3206) and a node that
/// dies holding one frees it when the lease runs out. The embedded store keeps the lock in the
/// process (one node: nothing to share).
public protocol MaildropLockStore: Sendable {
    /// Takes the account's lock for `owner` for `lease`; false when another owner holds a lease
    /// that has not expired.
    func acquireMaildropLock(_ account: AccountID, owner: String, lease: Duration) async throws -> Bool
    /// Extends `owner`'s lease by `lease` from now; false when it is no longer `owner`'s.
    func renewMaildropLock(_ account: AccountID, owner: String, lease: Duration) async throws -> Bool
    /// Gives the lock back (nothing when `owner` does not hold it).
    func releaseMaildropLock(_ account: AccountID, owner: String) async throws
}

extension Duration {
    /// The duration in seconds, as the stores record expiries.
    public var storeSeconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
