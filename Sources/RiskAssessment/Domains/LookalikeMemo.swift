// The trusted domains a lookalike is compared with (our domains, partners, VIPs, the recipients'
// correspondents) are the same from one message to the next until a correspondent is added, but
// building the comparison walks the public suffix list and works out a UTS #39 skeleton for each
// of them: with 500 correspondents that was 8 M instructions per message (docs/PERFORMANCE.md,
// issue 24). The comparisons of the recent lists are kept (mail for several recipients arrives
// in turn), each with the list it was built from.

/// The `LookalikeDomains` of recent trusted lists.
final class LookalikeMemo: Sendable {
    static let capacity = 64
    private let recent = RecentValues<[TrustedDomain], LookalikeDomains>(capacity: LookalikeMemo.capacity)

    /// `LookalikeDomains(suffixes:trusted:)`, built again only for a list none of the recent ones
    /// equals (the suffix list is the assessor's own; a new one starts a new memo).
    func lookalikes(_ trusted: [TrustedDomain], suffixes: PublicSuffixList) -> LookalikeDomains {
        recent.value(for: trusted) { LookalikeDomains(suffixes: suffixes, trusted: $0) }
    }
}
