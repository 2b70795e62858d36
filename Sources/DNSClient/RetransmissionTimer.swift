// When to ask again: an adaptive retransmission timeout per server, from measured round trips.
//
// RFC 1536 §1 and RFC 1035 §7.2 leave the retransmission interval to the resolver and warn
// against a fixed one; a fixed 2 s wait made every lost UDP packet stall a message's checks for
// exactly 2 s. Like unbound's infrastructure cache (and TCP's RFC 6298 §2), each server keeps a
// smoothed round-trip time and its variation; the next query of an exchange goes out after
// SRTT + 4 × RTTVAR (bounded below by a floor, and above by the per-query timeout), doubling
// with each further send of the same exchange (RFC 6298 §5.5 back-off). Earlier queries stay
// open, so the first reply wins.
//
// The floor (`dns.retransmit_min_ms`, 10 ms by default) is lower than unbound's 50 ms
// `infra-cache-min-rtt` because the two ask different servers: unbound's floor is for
// authoritative servers across the internet, ours for the recursive resolver in front of us,
// usually on the same host or network, where answers from its cache take well under a
// millisecond. A floor of 50 ms there made each lost packet cost 25-100 round trips (issue 24:
// 10% loss cut mail from new domains to 0.37x). A resolver still recursing for a cache miss is
// not flooded: the sends of one exchange are bounded by `attempts` per server and back off
// exponentially, resolvers merge identical questions they are already resolving (unbound's
// mesh, BIND's clients-per-query), and cache misses raise RTTVAR and with it the interval.
// Each query has its own socket and ID, so a reply is always matched to the send it answers and
// no sample is ambiguous (the problem Karn's algorithm solves for TCP does not arise).

import NIOCore

struct RetransmissionTimer: Sendable {
    /// Before any sample: unbound's initial timeout (376 ms), rounded.
    static let defaultInitial: TimeAmount = .milliseconds(400)

    /// The interval before any sample (tests lengthen it to tell "cut short" from "waited").
    let initial: TimeAmount
    /// The default least wait before asking again (`dns.retransmit_min_ms`; see above).
    static let defaultMinimum: TimeAmount = .milliseconds(10)

    /// The least wait before asking again. A resolver whose cache misses take longer shows it in
    /// RTTVAR, which raises the interval.
    let minimum: TimeAmount

    private struct Estimate: Sendable {
        var smoothed: Double  // seconds
        var variation: Double
    }

    private var estimates: [DNSServer: Estimate] = [:]

    init(minimum: TimeAmount = Self.defaultMinimum, initial: TimeAmount = Self.defaultInitial) {
        self.minimum = max(.milliseconds(1), minimum)
        self.initial = initial
    }

    /// Whether a reply from `server` has been measured yet (before that, `initial` applies).
    func hasEstimate(for server: DNSServer) -> Bool { estimates[server] != nil }

    /// Records the round trip of a reply from `server` (RFC 6298 §2.2–2.3, α = 1/8, β = 1/4).
    mutating func record(_ roundTrip: TimeAmount, from server: DNSServer) {
        let sample = Double(roundTrip.nanoseconds) / 1e9
        guard var estimate = estimates[server] else {
            estimates[server] = Estimate(smoothed: sample, variation: sample / 2)
            return
        }
        estimate.variation = 0.75 * estimate.variation + 0.25 * abs(estimate.smoothed - sample)
        estimate.smoothed = 0.875 * estimate.smoothed + 0.125 * sample
        estimates[server] = estimate
    }

    /// How long to wait after a query to `server` before the next send of an exchange: doubled
    /// for each round over the servers already made (`backoff`), never above `ceiling` (the
    /// per-query timeout).
    func interval(for server: DNSServer, backoff: Int, ceiling: TimeAmount) -> TimeAmount {
        var base = initial
        if let estimate = estimates[server] {
            let seconds = estimate.smoothed + 4 * estimate.variation
            base = max(minimum, .nanoseconds(Int64(seconds * 1e9)))
        }
        let factor = Int64(1) << Int64(min(max(backoff, 0), 10))
        return min(ceiling, base * factor)
    }
}
