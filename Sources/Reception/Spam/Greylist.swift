// Greylisting (Harris, "The Next Step in the Spam Control War: Greylisting", 2003): the first
// attempt of an unknown triplet (client network, MAIL FROM, RCPT TO) is refused with a
// temporary error; a real MTA retries (RFC 5321 §4.5.4.1), most spamware does not. The
// decision is a pure function of the stored record and the time, tested with a manual clock.

import Foundation
import MailStore

public struct GreylistPolicy: Sendable {
    public enum Phase: String, Sendable {
        /// 451 4.7.1 to RCPT TO (the usual place: no message is transferred for nothing).
        case rcpt
        /// 451 4.7.1 after the message (DATA/BDAT), for clients that retry only whole messages.
        case data
    }

    /// A retry is accepted once this long after the first attempt (default 5 minutes).
    public var delay: TimeInterval = 300
    /// ... and up to this long after the delay; later, the triplet starts over.
    public var retryWindow: TimeInterval = 172_800
    /// A triplet that passed is let through at once for this long after its latest message.
    public var recordLifetime: TimeInterval = 3_024_000
    public var phase: Phase = .rcpt
    /// The client network of the triplet: a /24 and a /64, so a sender's outbound pool that
    /// retries from another address of the same network is recognised.
    public var ipv4Prefix = 24
    public var ipv6Prefix = 64
    /// Senders whose domain passed SPF or DKIM in this many earlier messages skip greylisting
    /// when the current mail passes SPF for it; 0 turns the auto-whitelist off.
    public var autoWhitelistPasses = 5

    public init() {}
}

/// What greylisting decided about one attempt (the `result` label of `hato_greylist_results_total`).
public enum GreylistDecision: String, Sendable, Equatable {
    /// First attempt of an unknown triplet: refused.
    case new
    /// A retry before the delay ended: refused.
    case early
    /// A retry after the retry window: refused, and the triplet starts over.
    case expired
    /// The first retry in the window: accepted, and the triplet is now known.
    case passed
    /// A known triplet: accepted.
    case known

    public var isAccepted: Bool { self == .passed || self == .known }
}

public enum Greylist {
    /// The decision for an attempt at `now`, and the record to store.
    public static func decide(_ record: GreylistRecord?, triplet: GreylistTriplet, now: Date,
                              policy: GreylistPolicy) -> (GreylistDecision, GreylistRecord) {
        let fresh = GreylistRecord(triplet: triplet, firstSeen: now, lastSeen: now, passed: false, attempts: 1)
        guard var record, now.timeIntervalSince(record.lastSeen) <= policy.recordLifetime else { return (.new, fresh) }
        if record.passed {
            record.lastSeen = max(record.lastSeen, now)
            return (.known, record)
        }
        let elapsed = now.timeIntervalSince(record.firstSeen)
        if elapsed < policy.delay {
            record.lastSeen = max(record.lastSeen, now)
            record.attempts += 1
            return (.early, record)
        }
        if elapsed > policy.delay + policy.retryWindow { return (.expired, fresh) }
        record.passed = true
        record.lastSeen = now
        return (.passed, record)
    }

    /// Seconds until a refused triplet's retry would be accepted (for the reply text).
    public static func remaining(_ record: GreylistRecord, now: Date, policy: GreylistPolicy) -> Int {
        max(0, Int((policy.delay - now.timeIntervalSince(record.firstSeen)).rounded(.up)))
    }
}
