import Foundation
import IMAPProtocol
import MailCore
import MailStore
import NIOCore
import SASL

extension IMAPSessionHandler {
    /// RFC 9051 §6.2.3. Refused before TLS (LOGINDISABLED) except from loopback; unknown users
    /// and wrong passwords get the same answer after the same work; failures feed the throttle.
    func login(_ tag: String, username: String, password: String, _ context: ChannelHandlerContext) {
        guard plaintextAllowed else {
            return no(tag, "plaintext login is disabled without TLS; use STARTTLS", code: .privacyRequired, context)
        }
        let store = server.store, logger = self.logger, throttle = server.throttle, ip = connection.remoteIP
        if case .lockedOut = throttle.check(client: ip, account: username) {
            return sendAuthFailure(tag, .tooManyFailures, context)
        }
        perform(context) {
            var account: Account? = nil
            if let address = try? EmailAddress(username) { account = try? await store.account(address) }
            let verified = account.map { $0.verify(password: password) } ?? Account.verifyDummy(password: password)
            guard verified, let account else {
                _ = throttle.recordFailure(client: ip, account: username)
                logger.notice("login failed", metadata: ["user": "\(username)"])
                return { handler, context in handler.sendAuthFailure(tag, .invalidCredentials, context) }
            }
            throttle.recordSuccess(client: ip, account: username)
            return { handler, context in
                handler.loggedIn(tag, AuthenticatedUser(accountID: account.id, address: account.address), context)
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

extension Account {
    /// Spends the same work as a real check, for users that do not exist (no timing oracle).
    static func verifyDummy(password: String) -> Bool {
        _ = dummyCredentials?.verify(password: password)
        return false
    }

    private static let dummyCredentials = try? SCRAMCredentials.derive(
        password: UUID().uuidString, hash: .sha256, iterations: SCRAMCredentials.defaultIterations)
}
