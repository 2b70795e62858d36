/// The protocol-neutral half of AUTH/AUTHENTICATE that SMTP, IMAP and POP3 share: base64 on
/// the wire, `*` cancellation, the initial-response form, line limits, and delivering a
/// mechanism's final server data where the protocol has no room for it on the success line.
///
/// The server sends `.challenge(text)` as `334 text` (SMTP, RFC 4954 §4), `+ text` (IMAP,
/// RFC 3501 §7.5; POP3, RFC 5034 §4) and passes every client line back to `receive(line:)`.
public struct SASLServerExchange: Sendable {
    public enum Action: Sendable, Equatable {
        /// Base64 text to send as the continuation line (empty for an empty challenge).
        case challenge(String)
        /// `serverFinal` (base64) is set only when `successDataAllowed` and the mechanism has
        /// final data (SCRAM's `v=`): send it with the success reply.
        case success(SASLIdentity, serverFinal: String? = nil)
        case failure(SASLFailure)
    }

    private var mechanism: any SASLServerMechanism
    /// The throttle reservation of this login, set by `begin`: settle it with the final action
    /// (`AuthAttempt.settle`) and hold the reply for the delay it returns.
    public internal(set) var attempt: AuthAttempt?
    private let successDataAllowed: Bool
    private var phase = Phase.notStarted

    private enum Phase {
        case notStarted, running
        /// Server-final data was sent as a challenge; an empty line completes (RFC 4422 §3.6).
        case awaitingSuccessAcknowledgement(SASLIdentity)
        /// A SCRAM `e=` message was sent as a challenge; the failure follows whatever comes back.
        case awaitingFailureAcknowledgement(SASLFailure)
        case done
    }

    /// `successDataAllowed` is false for SMTP (RFC 4954 §4), POP3 (RFC 5034 §4) and IMAP4rev1
    /// (RFC 3501 §6.2.2): final server data then goes out as one more challenge.
    public init(mechanism: any SASLServerMechanism, successDataAllowed: Bool = false) {
        self.mechanism = mechanism
        self.successDataAllowed = successDataAllowed
    }

    /// Builds the mechanism named by the client, already checked against `SASLPolicy.permits`.
    public static func make(
        _ name: SASLMechanismName, lookup: any SASLCredentialLookup,
        configuration: SASLServerConfiguration, channelBinding: SASLChannelBinding?,
        successDataAllowed: Bool = false
    ) -> SASLServerExchange? {
        let mechanism: (any SASLServerMechanism)? = switch name {
        case .plain: PlainMechanism(lookup: lookup, configuration: configuration)
        case .login: LoginMechanism(lookup: lookup, configuration: configuration)
        case .cramMD5: CRAMMD5Mechanism(lookup: lookup, configuration: configuration)
        case .scramSHA1, .scramSHA1Plus, .scramSHA256, .scramSHA256Plus:
            SCRAMMechanism(name, lookup: lookup, configuration: configuration, channelBinding: channelBinding)
        }
        return mechanism.map { SASLServerExchange(mechanism: $0, successDataAllowed: successDataAllowed) }
    }

    public var mechanismName: SASLMechanismName { mechanism.name }

    /// The identity claimed so far, for throttling and logs (never a password).
    public var attemptedUsername: String? { mechanism.attemptedUsername }

    // RFC 4954 §4:  "AUTH" SP sasl-mech [SP initial-response]
    //               initial-response = base64 / "="
    // RFC 4959 §3 (IMAP SASL-IR) and RFC 5034 §4 (POP3) use the same form; "=" is an empty
    // initial response, absence (nil) means none.
    public mutating func start(initialResponse: String?) async -> Action {
        guard case .notStarted = phase else { return finish(.malformedResponse(reason: "exchange already started")) }
        phase = .running
        guard let initialResponse else { return await perform(mechanism.start(initialResponse: nil)) }
        // An empty token is neither base64 nor "=" (RFC 4954 §4 requires "=" for empty).
        guard !initialResponse.isEmpty else { return finish(.invalidBase64) }
        switch Self.decode(initialResponse, allowEquals: true) {
        case .success(let bytes): return await perform(mechanism.start(initialResponse: bytes))
        case .failure(let failure): return finish(failure)
        }
    }

    /// One client line, without its CRLF: base64, or `*` to cancel (RFC 4954 §4,
    /// RFC 3501 §6.2.2, RFC 5034 §4).
    public mutating func receive(line: String) async -> Action {
        switch phase {
        case .notStarted, .done:
            return finish(.malformedResponse(reason: "no exchange in progress"))
        case .awaitingFailureAcknowledgement(let failure):
            return finish(failure)
        case .awaitingSuccessAcknowledgement(let identity):
            if line == "*" { return finish(.cancelled) }
            guard line.isEmpty else { return finish(.malformedResponse(reason: "expected an empty response")) }
            phase = .done
            return .success(identity)
        case .running:
            if line == "*" { return finish(.cancelled) }
            switch Self.decode(line, allowEquals: false) {
            case .success(let bytes): return await perform(mechanism.step(clientResponse: bytes))
            case .failure(let failure): return finish(failure)
            }
        }
    }

    private mutating func perform(_ step: SASLStep) async -> Action {
        switch step {
        case .challenge(let bytes):
            return .challenge(SASLBase64.encode(bytes))
        case .success(let serverFinal, let identity):
            guard let serverFinal, !successDataAllowed else {
                phase = .done
                return .success(identity, serverFinal: serverFinal.map(SASLBase64.encode))
            }
            phase = .awaitingSuccessAcknowledgement(identity)
            return .challenge(SASLBase64.encode(serverFinal))
        case .failure(let failure, let serverFinal):
            guard let serverFinal else { return finish(failure) }
            phase = .awaitingFailureAcknowledgement(failure)
            return .challenge(SASLBase64.encode(serverFinal))
        }
    }

    private mutating func finish(_ failure: SASLFailure) -> Action {
        phase = .done
        return .failure(failure)
    }

    /// Decodes one client line strictly. `allowEquals` admits the initial-response "=".
    public static func decode(_ line: String, allowEquals: Bool) -> Result<[UInt8], SASLFailure> {
        guard line.utf8.count <= SASLLimits.responseLineBytes else { return .failure(.lineTooLong) }
        if allowEquals && line == "=" { return .success([]) }
        guard let bytes = SASLBase64.decode(line) else { return .failure(.invalidBase64) }
        return .success(bytes)
    }
}
