// When to ask again: an adaptive retransmission timeout per server, from measured round trips.
//
// RFC 1536 §1 and RFC 1035 §7.2 leave the retransmission interval to the resolver and warn
// against a fixed one; a fixed 2 s wait made every lost UDP packet stall a message's checks for
// exactly 2 s. Like unbound's infrastructure cache (and TCP's RFC 6298 §2), each server keeps a
// smoothed round-trip time and its variation; the next query of an exchange goes out after
// SRTT + 4 × RTTVAR (bounded below, so a resolver that is still recursing for a cache miss is
// not flooded, and above by the per-query timeout), doubling with each further send of the same
// exchange (RFC 6298 §5.5 back-off). Earlier queries stay open, so the first reply wins.
// Each query has its own socket and ID, so a reply is always matched to the send it answers and
// no sample is ambiguous (the problem Karn's algorithm solves for TCP does not arise).

import NIOCore

struct RetransmissionTimer: Sendable {
    /// Before any sample: unbound's initial timeout (376 ms), rounded.
    static let initial: TimeAmount = .milliseconds(400)
    /// The least wait before asking again, unbound's floor (`infra-cache-min-rtt`, 50 ms). A
    /// resolver whose cache misses take longer shows it in RTTVAR, which raises the interval.
    static let minimum: TimeAmount = .milliseconds(50)

    private struct Estimate: Sendable {
        var smoothed: Double  // seconds
        var variation: Double
    }

    private var estimates: [DNSServer: Estimate] = [:]

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
        var base = Self.initial
        if let estimate = estimates[server] {
            let seconds = estimate.smoothed + 4 * estimate.variation
            base = max(Self.minimum, .nanoseconds(Int64(seconds * 1e9)))
        }
        let factor = Int64(1) << Int64(min(max(backoff, 0), 10))
        return min(ceiling, base * factor)
    }
}
