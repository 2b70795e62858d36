import Foundation
import MailCore

/// A key a correspondent announced in an Autocrypt field (Autocrypt Level 1 §2.1), already
/// checked by the caller (Sources/Reception/OpenPGP/AutocryptLearningStage.swift).
public struct AutocryptKey: Sendable, Equatable {
    /// The certificate's primary key fingerprint, upper-case hex.
    public var fingerprint: String
    /// The binary certificate (`keydata`).
    public var data: [UInt8]
    /// `prefer-encrypt=mutual` (§2.1); anything else is "no preference".
    public var preferEncrypt: Bool

    public init(fingerprint: String, data: [UInt8], preferEncrypt: Bool) {
        self.fingerprint = fingerprint
        self.data = data
        self.preferEncrypt = preferEncrypt
    }
}

/// What one account knows about one correspondent from Autocrypt (Level 1 §2.3 peer state).
public struct AutocryptPeer: Sendable, Equatable {
    /// The correspondent's address, lower-cased.
    public var address: String
    /// The newest effective date of any message seen from them (with or without a key).
    public var lastSeen: Date
    /// The effective date of the message whose field gave `key`.
    public var autocryptTimestamp: Date
    public var key: AutocryptKey

    /// Level 1 §2.4: a key whose message is this much older than the peer's last message is
    /// "discourage" (35 days).
    public static let staleAfter: TimeInterval = 35 * 86_400

    public init(address: String, lastSeen: Date, autocryptTimestamp: Date, key: AutocryptKey) {
        self.address = address
        self.lastSeen = lastSeen
        self.autocryptTimestamp = autocryptTimestamp
        self.key = key
    }

    /// Level 1 §2.3 "Updating Autocrypt Peer State" for a message with effective date `seen`
    /// (its Date, but never later than its arrival) carrying `key` (nil: no valid field). Returns
    /// the new state, or nil when nothing changes. Peers are only created from a valid field:
    /// a message without one only moves `lastSeen` of a peer already known (which is what
    /// makes a stale key "discouraged", §2.4).
    public static func updated(_ current: AutocryptPeer?, address: String, seen: Date, key: AutocryptKey?) -> AutocryptPeer? {
        guard let current else {
            guard let key else { return nil }
            return AutocryptPeer(address: address, lastSeen: seen, autocryptTimestamp: seen, key: key)
        }
        // "If the message's effective date is older than the peers[from-addr].autocrypt_timestamp value, then no changes are required"
        guard seen > current.autocryptTimestamp else { return nil }
        var next = current
        if seen > next.lastSeen { next.lastSeen = seen }
        if let key {
            next.autocryptTimestamp = seen
            next.key = key
        }
        return next == current ? nil : next
    }
}

/// Each account's Autocrypt peer states (docs/openpgp.md#autocrypt).
public protocol AutocryptPeerStore: Sendable {
    /// Applies `AutocryptPeer.updated` to `account`'s state for `address` atomically; keeps at
    /// most `limit` peers per account (those seen longest ago go first). Fails with
    /// `accountNotFound` for an account that does not exist.
    func recordAutocrypt(account: EmailAddress, address: String, seen: Date, key: AutocryptKey?, limit: Int) async throws
    /// `account`'s peers, by address; only `address` when given.
    func autocryptPeers(account: EmailAddress, address: String?) async throws -> [AutocryptPeer]
}
