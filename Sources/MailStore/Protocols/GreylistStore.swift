import Foundation

/// The greylisting triplet (client network, MAIL FROM, RCPT TO), as the greylist stage keys it:
/// the network is "192.0.2.0/24" or "2001:db8:1:2::/64"; addresses are canonical, `<>` for the
/// null reverse-path.
public struct GreylistTriplet: Sendable, Hashable {
    public var network: String
    public var sender: String
    public var recipient: String

    public init(network: String, sender: String, recipient: String) {
        self.network = network
        self.sender = sender
        self.recipient = recipient
    }
}

/// What the store remembers about one triplet.
public struct GreylistRecord: Sendable, Equatable {
    public var triplet: GreylistTriplet
    /// The first attempt of the current round (the delay counts from here).
    public var firstSeen: Date
    /// The latest attempt (the record lifetime counts from here once it passed).
    public var lastSeen: Date
    /// A retry came after the delay: the triplet is known and is let through at once.
    public var passed: Bool
    /// Attempts refused so far in this round.
    public var attempts: Int

    public init(triplet: GreylistTriplet, firstSeen: Date, lastSeen: Date, passed: Bool, attempts: Int) {
        self.triplet = triplet
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.passed = passed
        self.attempts = attempts
    }
}

/// Greylisting's memory (docs/security.md "Greylisting"): triplets, and the sender domains whose
/// mail passed authentication (the auto-whitelist). Both expire.
public protocol GreylistStore: Sendable {
    func greylistRecord(_ triplet: GreylistTriplet) async throws -> GreylistRecord?
    /// Inserts or replaces the record of its triplet.
    func saveGreylistRecord(_ record: GreylistRecord) async throws
    /// Counts one authenticated message (SPF or DKIM pass aligned with the domain) from `domain`.
    func recordGreylistPass(domain: String, at date: Date) async throws
    /// Authenticated messages counted for `domain` whose latest one is not older than `since`.
    func greylistPasses(domain: String, since: Date) async throws -> Int
    /// Forgets triplets last seen before `before` and sender domains not seen since `before`;
    /// returns how many rows went.
    func removeExpiredGreylistEntries(before: Date) async throws -> Int
}
