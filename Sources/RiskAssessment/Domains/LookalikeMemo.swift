// The trusted domains a lookalike is compared with (our domains, partners, VIPs, the recipients'
// correspondents) are the same from one message to the next until a correspondent is added, but
// building the comparison walks the public suffix list and works out a UTS #39 skeleton for each
// of them: with 500 correspondents that was 8 M instructions per message (docs/PERFORMANCE.md,
// issue 24). The last one built is kept, with the list it was built from; comparing the lists
// costs a small part of building.

import Synchronization

/// The last `LookalikeDomains` built, by the trusted list it was built from.
final class LookalikeMemo: Sendable {
    private let last = Mutex<(trusted: [TrustedDomain], lookalikes: LookalikeDomains)?>(nil)

    /// `LookalikeDomains(suffixes:trusted:)`, built again only when `trusted` differs from the
    /// last list (the suffix list is the assessor's own; a new one starts a new memo).
    func lookalikes(_ trusted: [TrustedDomain], suffixes: PublicSuffixList) -> LookalikeDomains {
        if let kept = last.withLock({ entry -> LookalikeDomains? in entry?.trusted == trusted ? entry?.lookalikes : nil }) { return kept }
        let built = LookalikeDomains(suffixes: suffixes, trusted: trusted)
        last.withLock { $0 = (trusted, built) }
        return built
    }
}
