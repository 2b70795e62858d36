import MailStore
import SASL
import SMTPProtocol
import ServerRuntime

extension SMTPSession {
    /// RFC 3207 §4.2: after 220 the client starts TLS; every byte it sent before the handshake
    /// is dropped (CVE-2011-0411 class, `receive` does it before decoding anything else), and
    /// the session forgets HELO, MAIL and RCPT.
    mutating func startTLS() -> [SMTPAction] {
        guard !tlsActive, settings.startTLSAvailable else {
            decoder.continueCommands()
            return fail(tlsActive ? .tlsAlreadyActive : .startTLSUnavailable)
        }
        tlsStarting = true
        tlsActive = true
        helo = nil
        esmtp = false
        transaction = nil
        return [.send(.readyToStartTLS), .startTLS]
    }

    /// RFC 4954 AUTH: once, outside a transaction, and on port 25 only over TLS.
    mutating func startAuth(mechanism: String, initialResponse: String?) -> [SMTPAction] {
        guard account == nil else { return fail(.alreadyAuthenticated) }
        guard transaction == nil else { return fail(.authDuringTransaction) }
        guard settings.profile == .submission || tlsActive else { return fail(.encryptionRequired) }
        return run(.authenticate(mechanism: mechanism, initialResponse: initialResponse, tlsActive: tlsActive))
    }

    /// A login step's outcome (`SASLLogin`): a challenge is sent as 334 and the next line is the
    /// client's response (RFC 4954 §4, up to `maxAuthLineLength`).
    mutating func login(_ step: SASLLogin.Step) -> [SMTPAction] {
        switch step {
        case .challenge(let text, let login):
            authExchange = login
            decoder.expectSASLResponse()
            return [.send(.authChallenge(text))]
        case .refused(let failure):
            return fail(.authentication(failure))
        case .authenticated(let identity):
            return run(.lookUpAccount(identity))
        }
    }

    /// RFC 4954 §6: 235 once the account the credentials name is known.
    mutating func authenticated(_ found: Account?, _ identity: SASLIdentity) -> [SMTPAction] {
        guard let found else { return fail(.authentication(.invalidCredentials)) }
        account = found
        logger.info("authenticated", metadata: ["user": "\(found.address)", "mechanism": "\(identity.mechanism.rawValue)"])
        let success = SASLReplies.smtpSuccess
        return [.send(SMTPReply(success.code, SMTPEnhancedStatusCode(success.enhancedCode), success.text))]
    }
}
