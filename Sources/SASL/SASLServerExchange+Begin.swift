/// The checks every protocol makes before an AUTH/AUTHENTICATE exchange starts, in one place:
/// the mechanism must be allowed on this connection (RFC 4954 §4: nothing that sends a password
/// before TLS, except from loopback), the client must not be locked out by the throttle, and the
/// mechanism must be buildable.
extension SASLServerExchange {
    public static func begin(
        mechanism wireName: some StringProtocol, policy: SASLPolicy, tlsActive: Bool, loopback: Bool,
        throttle: AuthThrottle, client: String, lookup: any SASLCredentialLookup, configuration: SASLServerConfiguration
    ) -> Result<SASLServerExchange, SASLFailure> {
        let name: SASLMechanismName
        switch policy.check(wireName: wireName, tlsActive: tlsActive, loopback: loopback,
                            channelBindingAvailable: false, cramMD5Enabled: false) {
        case .failure(let failure): return .failure(failure)
        case .success(let value): name = value
        }
        if case .lockedOut = throttle.check(client: client, account: nil) { return .failure(.tooManyFailures) }
        guard let exchange = make(name, lookup: lookup, configuration: configuration, channelBinding: nil) else {
            return .failure(.unsupportedMechanism)
        }
        return .success(exchange)
    }
}
