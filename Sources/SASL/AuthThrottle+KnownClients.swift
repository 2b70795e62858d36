/// Known-good (address, account) pairs: an address that logged in to an account with the right
/// credentials is not refused by that account's lock for `knownClientDuration` afterwards, so an
/// attacker who locks an account from elsewhere does not lock out its owner's usual address.
/// The address's own count still applies to it (a known-good address that keeps guessing is
/// locked like any other). Callers hold `lock`.
extension AuthThrottle {
    func isKnownGood(_ client: String, _ account: String, at time: Duration) -> Bool {
        let pair = KnownPair(client: client, account: account)
        guard let until = knownGood[pair] else { return false }
        if time < until { return true }
        knownGood[pair] = nil
        return false
    }

    /// Records (or renews) the pair; the map is bounded like the counts: expired pairs go
    /// first, then those closest to expiry.
    func rememberKnownGood(_ client: String, _ account: String, at time: Duration) {
        knownGood[KnownPair(client: client, account: account)] = time + configuration.knownClientDuration
        guard knownGood.count > configuration.maximumTrackedKeys else { return }
        knownGood = knownGood.filter { $0.value > time }
        guard knownGood.count > configuration.maximumTrackedKeys else { return }
        let target = configuration.maximumTrackedKeys * 9 / 10
        for (pair, _) in knownGood.sorted(by: { $0.value < $1.value }).prefix(knownGood.count - target) { knownGood[pair] = nil }
    }

    /// Number of known-good pairs remembered (for tests).
    public var knownClientCount: Int { lock.withLock { knownGood.count } }
}
