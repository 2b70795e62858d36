/// Which mechanisms a connection may use.
///
/// Rules (RFC 4954 §4 and §14, RFC 8314 §4, RFC 3501 §11.1, RFC 2595 §2.4):
/// - PLAIN and LOGIN (and IMAP LOGIN, POP3 USER/PASS) only over TLS, or on loopback when
///   `loopbackCountsAsSecure`.
/// - CRAM-MD5 and SCRAM do not reveal the password, but without TLS they still expose the user
///   name and an exchange open to offline guessing; they need TLS too unless
///   `challengeResponseWithoutTLS` is set.
/// - The -PLUS variants only when the TLS layer supplied channel binding data (RFC 5802 §6).
/// - CRAM-MD5 only when listed (it is not by default): it needs a stored plaintext equivalent,
///   which only accounts that opted in have; for the others it fails like a wrong password.
public struct SASLPolicy: Sendable, Equatable {
    /// Mechanisms in advertisement order (strongest first). Configurable.
    public var mechanisms: [SASLMechanismName]
    public var loopbackCountsAsSecure: Bool
    public var challengeResponseWithoutTLS: Bool

    public static let defaultMechanisms: [SASLMechanismName] = [
        .scramSHA256Plus, .scramSHA256, .scramSHA1Plus, .scramSHA1, .plain, .login,
    ]

    public init(
        mechanisms: [SASLMechanismName] = SASLPolicy.defaultMechanisms,
        loopbackCountsAsSecure: Bool = true,
        challengeResponseWithoutTLS: Bool = false
    ) {
        var seen = Set<SASLMechanismName>()
        self.mechanisms = mechanisms.filter { seen.insert($0).inserted }
        self.loopbackCountsAsSecure = loopbackCountsAsSecure
        self.challengeResponseWithoutTLS = challengeResponseWithoutTLS
    }

    /// The mechanism names to list in EHLO `AUTH`, IMAP `AUTH=` capabilities or POP3 `SASL`.
    public func advertised(
        tlsActive: Bool, loopback: Bool, channelBindingAvailable: Bool, cramMD5Enabled: Bool
    ) -> [SASLMechanismName] {
        mechanisms.filter {
            check($0, tlsActive: tlsActive, loopback: loopback,
                  channelBindingAvailable: channelBindingAvailable, cramMD5Enabled: cramMD5Enabled) == nil
        }
    }

    /// Why the client may not use `name` here, or nil if it may. Mechanisms that are never
    /// offered here are "unsupported"; ones that would be offered after STARTTLS are
    /// "encryption required" (RFC 4954 §6: 538 5.7.11).
    public func check(
        _ name: SASLMechanismName, tlsActive: Bool, loopback: Bool,
        channelBindingAvailable: Bool, cramMD5Enabled: Bool
    ) -> SASLFailure? {
        guard mechanisms.contains(name) else { return .unsupportedMechanism }
        if name == .cramMD5 && !cramMD5Enabled { return .unsupportedMechanism }
        if name.usesChannelBinding && !(tlsActive && channelBindingAvailable) {
            return tlsActive ? .unsupportedMechanism : .encryptionRequired
        }
        if secure(tlsActive: tlsActive, loopback: loopback) { return nil }
        if name.sendsPasswordInClear || !challengeResponseWithoutTLS { return .encryptionRequired }
        return nil
    }

    /// Same as `check`, from the name as the client typed it.
    public func check(
        wireName: some StringProtocol, tlsActive: Bool, loopback: Bool,
        channelBindingAvailable: Bool, cramMD5Enabled: Bool
    ) -> Result<SASLMechanismName, SASLFailure> {
        guard let name = SASLMechanismName(wireName: wireName) else { return .failure(.unsupportedMechanism) }
        if let failure = check(name, tlsActive: tlsActive, loopback: loopback,
                               channelBindingAvailable: channelBindingAvailable, cramMD5Enabled: cramMD5Enabled) {
            return .failure(failure)
        }
        return .success(name)
    }

    /// Whether IMAP LOGIN and POP3 USER/PASS may be used (RFC 3501 §6.2.3 LOGINDISABLED,
    /// RFC 2595 §4): the same rule as PLAIN.
    public func allowsPlaintextLogin(tlsActive: Bool, loopback: Bool) -> Bool {
        secure(tlsActive: tlsActive, loopback: loopback)
    }

    private func secure(tlsActive: Bool, loopback: Bool) -> Bool {
        tlsActive || (loopback && loopbackCountsAsSecure)
    }
}
