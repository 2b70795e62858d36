import Foundation
import IMAPProtocol
import MailCore
import MailStore
import NIOCore
import SASL
import ServerRuntime

extension IMAPSessionHandler {
    /// RFC 9051 §6.2.3. Refused before TLS (LOGINDISABLED) except from loopback. The password
    /// check is the one POP3 USER/PASS and SASL PLAIN use (`SASLLogin.password`: dummy work for
    /// unknown users, constant-time comparison, the throttle's account lock and reply delay).
    func login(_ tag: String, username: String, password: String, _ context: ChannelHandlerContext) {
        guard plaintextAllowed else {
            return no(tag, "plaintext login is disabled without TLS; use STARTTLS", code: .privacyRequired, context)
        }
        let connection = self.connection, authenticator = server.authenticator, logger = self.logger
        runLogin(tag, context) {
            await SASLLogin.password(username: username, password: password, connection: connection, authenticator: authenticator, logger: logger)
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
