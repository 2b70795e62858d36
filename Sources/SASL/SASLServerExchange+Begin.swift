/// The checks every protocol makes before an AUTH/AUTHENTICATE exchange starts, in one place:
/// the mechanism must be allowed on this connection (RFC 4954 §4: nothing that sends a password
/// before TLS, except from loopback), the client must not be locked out by the throttle, and the
/// mechanism must be buildable.
extension SASLServerExchange {
    /// `channelBinding` is the connection's RFC 9266 `tls-exporter` value when the TLS layer has
    /// one (TLS 1.3); with it the -PLUS mechanisms in the policy are offered and plain SCRAM
    /// refuses the "y" downgrade flag (RFC 5802 §6). The credential lookup is wrapped so the
    /// attempt is counted by the throttle before the credentials are read (`attempt`; settle it
    /// with the final action), and a locked-out account is refused without checking them.
    public static func begin(
        mechanism wireName: some StringProtocol, policy: SASLPolicy, tlsActive: Bool, loopback: Bool,
        throttle: any LoginThrottle, client: String, lookup: any SASLCredentialLookup, configuration: SASLServerConfiguration,
        channelBinding: [UInt8]? = nil
    ) async -> Result<SASLServerExchange, SASLFailure> {
        let binding = tlsActive ? channelBinding.map { SASLChannelBinding(tlsExporter: $0) } : nil
        let name: SASLMechanismName
        switch policy.check(wireName: wireName, tlsActive: tlsActive, loopback: loopback,
                            channelBindingAvailable: binding != nil, cramMD5Enabled: true) {
        case .failure(let failure): return .failure(failure)
        case .success(let value): name = value
        }
        do {
            if case .lockedOut = try await throttle.check(client: client, account: nil) { return .failure(.tooManyFailures) }
        } catch {
            return .failure(.temporaryFailure)  // the shared counts are unreachable: fail closed (LoginThrottle)
        }
        let plusOffered = binding != nil && policy.mechanisms.contains { $0.usesChannelBinding }
        let attempt = AuthAttempt(throttle: throttle, client: client)
        let throttled = ThrottledLookup(base: lookup, attempt: attempt)
        guard var exchange = make(name, lookup: throttled, configuration: configuration, channelBinding: plusOffered ? binding : nil) else {
            return .failure(.unsupportedMechanism)
        }
        exchange.attempt = attempt
        return .success(exchange)
    }
}

/// Begins the attempt's throttle reservation when the account name is known, before its
/// credentials are read: an account or address that is locked out, or whose attempts in flight
/// already reach the limit, is refused (`tooManyFailures`) and costs an attacker no guess.
/// Unknown names are throttled the same way.
struct ThrottledLookup: SASLCredentialLookup {
    let base: any SASLCredentialLookup
    let attempt: AuthAttempt

    func credentials(for username: String) async throws -> SASLAccountCredentials? {
        try await attempt.reserve(account: username)
        return try await base.credentials(for: username)
    }
}

/// PLAIN-style password checks outside SASL (POP3 USER/PASS, IMAP LOGIN): the same PBKDF2 and
/// constant-time comparison, dummy keys for unknown names, and the throttle's reservation
/// (settle `attempt` with the returned action).
public enum SASLPasswordLogin {
    public static func verify(
        username: String, password: String, lookup: any SASLCredentialLookup, configuration: SASLServerConfiguration,
        attempt: AuthAttempt
    ) async -> SASLServerExchange.Action {
        let throttled = ThrottledLookup(base: lookup, attempt: attempt)
        if let failure = await PasswordCheck.verify(username: username, password: password, lookup: throttled, configuration: configuration) {
            return .failure(failure)
        }
        return .success(SASLIdentity(username: username, mechanism: .plain))
    }
}
