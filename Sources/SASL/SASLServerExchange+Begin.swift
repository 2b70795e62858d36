/// The checks every protocol makes before an AUTH/AUTHENTICATE exchange starts, in one place:
/// the mechanism must be allowed on this connection (RFC 4954 §4: nothing that sends a password
/// before TLS, except from loopback), the client must not be locked out by the throttle, and the
/// mechanism must be buildable.
extension SASLServerExchange {
    /// `channelBinding` is the connection's RFC 9266 `tls-exporter` value when the TLS layer has
    /// one (TLS 1.3); with it the -PLUS mechanisms in the policy are offered and plain SCRAM
    /// refuses the "y" downgrade flag (RFC 5802 §6). The credential lookup is wrapped so an
    /// account that is locked out is refused without checking its credentials.
    public static func begin(
        mechanism wireName: some StringProtocol, policy: SASLPolicy, tlsActive: Bool, loopback: Bool,
        throttle: AuthThrottle, client: String, lookup: any SASLCredentialLookup, configuration: SASLServerConfiguration,
        channelBinding: [UInt8]? = nil
    ) -> Result<SASLServerExchange, SASLFailure> {
        let binding = tlsActive ? channelBinding.map { SASLChannelBinding(tlsExporter: $0) } : nil
        let name: SASLMechanismName
        switch policy.check(wireName: wireName, tlsActive: tlsActive, loopback: loopback,
                            channelBindingAvailable: binding != nil, cramMD5Enabled: true) {
        case .failure(let failure): return .failure(failure)
        case .success(let value): name = value
        }
        if case .lockedOut = throttle.check(client: client, account: nil) { return .failure(.tooManyFailures) }
        let plusOffered = binding != nil && policy.mechanisms.contains { $0.usesChannelBinding }
        let throttled = ThrottledLookup(base: lookup, throttle: throttle, client: client)
        guard let exchange = make(name, lookup: throttled, configuration: configuration, channelBinding: plusOffered ? binding : nil) else {
            return .failure(.unsupportedMechanism)
        }
        return .success(exchange)
    }
}

/// Refuses (`tooManyFailures`) an account that is locked out before its credentials are read,
/// so a locked account costs an attacker no guess. Unknown names are throttled the same way.
struct ThrottledLookup: SASLCredentialLookup {
    let base: any SASLCredentialLookup
    let throttle: AuthThrottle
    let client: String

    func credentials(for username: String) async throws -> SASLAccountCredentials? {
        if case .lockedOut = throttle.check(client: client, account: username) { throw SASLFailure.tooManyFailures }
        return try await base.credentials(for: username)
    }
}

extension AuthThrottle {
    /// Call when an exchange (or a USER/PASS login) ends; returns how long to hold the reply.
    /// A failed credential check is counted against the client and the account name and held
    /// for the resulting delay. A success is held just as long as a failure would have been at
    /// that point, so a quick answer never betrays a right guess, and then clears both counts.
    public func settle(_ action: SASLServerExchange.Action, client: String, username: String?) -> Duration {
        switch action {
        case .failure(let failure) where failure.isFailedCredentialCheck:
            return recordFailure(client: client, account: username)
        case .success(let identity, _):
            var delay = Duration.zero
            if case .allow(let pending) = check(client: client, account: identity.username) { delay = pending }
            recordSuccess(client: client, account: identity.username)
            return delay
        case .failure, .challenge:
            return .zero
        }
    }
}

/// PLAIN-style password checks outside SASL (POP3 USER/PASS, IMAP LOGIN): the same PBKDF2 and
/// constant-time comparison, dummy keys for unknown names, and the throttle's account lock.
public enum SASLPasswordLogin {
    public static func verify(
        username: String, password: String, lookup: any SASLCredentialLookup, configuration: SASLServerConfiguration,
        throttle: AuthThrottle, client: String
    ) async -> SASLServerExchange.Action {
        let throttled = ThrottledLookup(base: lookup, throttle: throttle, client: client)
        if let failure = await PasswordCheck.verify(username: username, password: password, lookup: throttled, configuration: configuration) {
            return .failure(failure)
        }
        return .success(SASLIdentity(username: username, mechanism: .plain))
    }
}
