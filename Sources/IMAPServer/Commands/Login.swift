import Foundation
import IMAPProtocol
import MailCore
import MailStore
import NIOCore
import SASL
import ServerRuntime

extension IMAPSessionHandler {
    /// RFC 9051 §6.2.3. Refused before TLS (LOGINDISABLED) except from loopback. The password
    /// check is the one POP3 USER/PASS and SASL PLAIN use (`SASLPasswordLogin`: dummy work for
    /// unknown users, constant-time comparison, the throttle's account lock), and the outcome is
    /// settled with the throttle like AUTHENTICATE's.
    func login(_ tag: String, username: String, password: String, _ context: ChannelHandlerContext) {
        guard plaintextAllowed else {
            return no(tag, "plaintext login is disabled without TLS; use STARTTLS", code: .privacyRequired, context)
        }
        let lookup = server.store.saslCredentialLookup, configuration = server.saslConfiguration
        let throttle = server.throttle, ip = connection.remoteIP
        if case .lockedOut = throttle.check(client: ip, account: username) {
            return sendAuthFailure(tag, .tooManyFailures, context)
        }
        let attempt = AuthAttempt(throttle: throttle, client: ip)
        perform(context) {
            let action = await SASLPasswordLogin.verify(
                username: username, password: password, lookup: lookup, configuration: configuration, attempt: attempt)
            return { handler, context in handler.finishLogin(tag, action, username: username, attempt: attempt, context) }
        }
    }

    /// Ends LOGIN or AUTHENTICATE: settles the attempt's throttle reservation and answers only after
    /// its delay (successes too, so a quick answer never betrays a right guess), as SMTP and POP3
    /// do. Pipelined commands wait behind the reply.
    func finishLogin(_ tag: String, _ action: SASLServerExchange.Action, username: String?, attempt: AuthAttempt?,
                     _ context: ChannelHandlerContext) {
        if case .failure(let failure) = action, failure.isFailedCredentialCheck {
            logger.notice("authentication failed", metadata: ["user": "\(LogSafe.escaped(username))"])
        }
        let delay = attempt?.settle(action) ?? .zero
        perform(context) {
            if delay > .zero { try? await Task.sleep(for: delay) }
            return { handler, context in handler.completeLogin(tag, action, context) }
        }
    }

    private func completeLogin(_ tag: String, _ action: SASLServerExchange.Action, _ context: ChannelHandlerContext) {
        switch action {
        case .challenge: return
        case .failure(let failure): sendAuthFailure(tag, failure, context)
        case .success(let identity, _):
            let store = server.store
            perform(context) {
                guard let address = try? EmailAddress(identity.username),
                      let account = try? await store.account(address) else {
                    return { handler, context in handler.sendAuthFailure(tag, .invalidCredentials, context) }
                }
                return { handler, context in
                    handler.loggedIn(tag, AuthenticatedUser(accountID: account.id, address: account.address), context)
                }
            }
        }
    }

    /// Enters the authenticated state, unless the account already has too many sessions.
    func loggedIn(_ tag: String, _ user: AuthenticatedUser, _ context: ChannelHandlerContext) {
        guard server.sessions.acquire(user.accountID, limit: server.configuration.maxSessionsPerUser) else {
            logger.notice("too many sessions", metadata: ["user": "\(user.address)"])
            return no(tag, "too many sessions for this account", code: .limit, context)
        }
        state = .authenticated(user)
        loginDeadline?.cancel()
        decoder.setMaxCommandSize(server.configuration.limits.maxCommandSize)
        logger.info("login", metadata: ["user": "\(user.address)"])
        resetTimer(context)
        // RFC 9051 §6.2.2: the capabilities change at login, so they come with the OK.
        ok(tag, "logged in", code: .capability(capabilities), context)
    }

    func sendAuthFailure(_ tag: String, _ failure: SASLFailure, _ context: ChannelHandlerContext) {
        let reply = failure.imapReply
        let code: IMAPResponseCode? = switch reply.responseCode {
        case "AUTHENTICATIONFAILED": .authenticationFailed
        case "AUTHORIZATIONFAILED": .authorizationFailed
        case "PRIVACYREQUIRED": .privacyRequired
        case "UNAVAILABLE": .unavailable
        case let other?: .other(other, nil)
        case nil: nil
        }
        send(context, .status(tag: tag, reply.status == .bad ? .bad : .no, code: code, text: reply.text))
    }
}
