import IMAPProtocol
import MailCore
import MailStore
import SASL
import ServerRuntime

/// RFC 9051 §6.2.3 LOGIN and §6.2.2 AUTHENTICATE with RFC 4959 SASL-IR. The mechanisms, the
/// password check (dummy work for unknown users, constant-time comparison), the throttle's
/// account lock and reply delay are `SASLLogin`'s, shared with SMTP and POP3.
extension IMAPSession {
    /// Refused before TLS (LOGINDISABLED) except from loopback.
    mutating func login(_ tag: String, username: String, password: String) -> [IMAPAction] {
        guard plaintextAllowed else { return fail(tag, .plaintextLoginDisabled) }
        return run(.checkPassword(tag: tag, username: username, password: password))
    }

    mutating func authenticate(_ tag: String, _ mechanism: String, _ initialResponse: String?) -> [IMAPAction] {
        run(.authenticate(tag: tag, mechanism: mechanism, initialResponse: initialResponse, tlsActive: tlsActive))
    }

    /// One continuation line during AUTHENTICATE: base64, or `*` to cancel (BAD).
    mutating func authenticationResponse(_ response: IMAPSASLResponse?) -> [IMAPAction] {
        decoder.setMode(.command)
        guard let pending = authExchange else { return [] }
        authExchange = nil
        let line: String
        switch response {
        case .cancel: line = "*"
        case .data(let bytes): line = IMAPSASLResponse.encodeBase64(bytes)
        case nil: return fail(pending.tag, .authentication(.invalidBase64))
        }
        return run(.continueAuthentication(tag: pending.tag, pending.login, response: line))
    }

    mutating func loginStep(_ tag: String, _ step: SASLLogin.Step) -> [IMAPAction] {
        switch step {
        case .challenge(let text, let login):
            authExchange = (tag, login)
            decoder.setMode(.authenticationResponse)
            return send([.challenge(SASLBase64.decode(text) ?? [])])
        case .refused(let failure):
            return fail(tag, .authentication(failure))
        case .authenticated(let identity):
            return run(.openSession(tag: tag, username: identity.username))
        }
    }

    /// Enters the authenticated state (the step took a session slot for the account).
    mutating func loggedIn(_ tag: String, _ user: AuthenticatedUser) -> [IMAPAction] {
        state = .authenticated(user)
        decoder.setMaxCommandSize(settings.limits.maxCommandSize)
        logger.info("login", metadata: ["user": "\(user.address)"])
        idleTimerArmed = true
        // RFC 9051 §6.2.2: the capabilities change at login, so they come with the OK.
        return [.cancelTimer(.login), .armTimer(.idle, settings.idleTimeout),
                .send([.status(tag: tag, .ok, code: .capability(capabilities), text: "logged in")])]
    }

    /// RFC 9051 §6.2.1: after the tagged OK the client starts TLS. Anything it pipelined behind
    /// STARTTLS in plaintext is discarded (CVE-2011-0411 class); a second STARTTLS is refused,
    /// and the client must ask for CAPABILITY again (the greeting's list no longer holds).
    mutating func startTLS(_ tag: String) -> [IMAPAction] {
        guard !tlsActive else { return fail(tag, .tlsAlreadyActive) }
        guard settings.tlsAvailable else { return fail(tag, .tlsUnavailable) }
        decoder.reset()
        tlsActive = true
        return [.send([.status(tag: tag, .ok, text: "Begin TLS negotiation now")]), .startTLS]
    }
}

extension IMAPStepRunner {
    /// Looks the account up and takes one of its session slots.
    func openSession(username: String) async -> Result<AuthenticatedUser, IMAPFailure> {
        guard let address = try? EmailAddress(username), let account = try? await store.account(address) else {
            return .failure(.authentication(.invalidCredentials))
        }
        guard sessions.acquire(account.id, limit: configuration.maxSessionsPerUser) else {
            logger.notice("too many sessions", metadata: ["user": "\(account.address)"])
            return .failure(.tooManySessions)
        }
        return .success(AuthenticatedUser(accountID: account.id, address: account.address))
    }
}
