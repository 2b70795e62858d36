import Foundation
import MailCore
import MailStore
import NIOCore
import POP3Protocol
import SASL
import ServerRuntime

extension POP3SessionHandler {
    func handle(_ command: POP3Command, _ context: ChannelHandlerContext) {
        if command.keyword != "PASS" { logger.debug("command", metadata: ["command": "\(command.keyword)"]) }
        switch (state, command) {
        case (_, .capa):
            send(context) { POP3Response.ok("capability list follows", into: &$0); POP3Response.lines(capabilities, into: &$0) }
        case (_, .noop) where isTransaction:
            send(context) { POP3Response.ok(into: &$0) }
        case (.authorization, .quit):
            send(context) { POP3Response.ok("\(server.configuration.hostname) closing connection", into: &$0) }
            state = .closed
            context.channel.closeAfterLastReply()
        case (.authorization, .stls):
            startTLS(context)
        case (.authorization, .user(let name)):
            guard plaintextAllowed else {
                send(context) { POP3Response.error("plaintext authentication is disallowed without TLS; use STLS", code: .auth, into: &$0) }
                return
            }
            state = .authorization(user: name)
            send(context) { POP3Response.ok("send PASS", into: &$0) }
        case (.authorization(let user), .pass(let password)):
            guard let user else {
                send(context) { POP3Response.error("send USER first", into: &$0) }
                return
            }
            state = .authorization(user: nil)
            login(user: user, password: password, context)
        case (.authorization, .apop):
            send(context) { POP3Response.error("APOP is not offered (it needs the password stored in plaintext)", into: &$0) }
        case (.authorization, .auth(nil, _)):
            // The common "AUTH" without arguments lists the mechanisms (as CAPA SASL does).
            let mechanisms = advertisedMechanisms.map(\.rawValue)
            send(context) { POP3Response.ok("methods supported:", into: &$0); POP3Response.lines(mechanisms, into: &$0) }
        case (.authorization, .auth(let mechanism?, let initialResponse)):
            startAuth(mechanism: mechanism, initialResponse: initialResponse, context)
        case (.authorization, _):
            send(context) { POP3Response.error("not allowed before login", into: &$0) }
        case (.transaction(let maildrop), _):
            transaction(command, maildrop, context)
        case (.closed, _):
            break
        }
    }

    var isTransaction: Bool { if case .transaction = state { true } else { false } }

    var capabilities: [String] {
        var lines = ["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE NEVER", "LOGIN-DELAY 0",
                     "IMPLEMENTATION Hato"]
        if case .authorization = state {
            if plaintextAllowed { lines.insert("USER", at: 2) }
            let mechanisms = advertisedMechanisms
            if !mechanisms.isEmpty { lines.insert("SASL " + mechanisms.map(\.rawValue).joined(separator: " "), at: 2) }
            if !tlsActive && connection.tls != nil { lines.append("STLS") }
        }
        return lines
    }

    /// RFC 2595 §4: after +OK the client starts TLS; anything it pipelined behind STLS is
    /// discarded (CVE-2011-0411 class), and STLS is not offered again.
    func startTLS(_ context: ChannelHandlerContext) {
        guard !tlsActive, let tls = connection.tls else {
            send(context) { POP3Response.error(tlsActive ? "TLS is already active" : "TLS is not available", into: &$0) }
            return
        }
        send(context) { POP3Response.ok("begin TLS negotiation", into: &$0) }
        inbound.clear()
        decoder = POP3LineDecoder(maxLineLength: server.configuration.maxLineLength)
        tlsActive = true
        let channel = context.channel
        tls.startTLS(on: channel, state: connection.tlsState).whenFailure { [logger] error in
            logger.info("STLS failed", metadata: ["error": "\(error)"])
            channel.close(promise: nil)
        }
    }

    /// After a successful login: lock the maildrop and take the snapshot of INBOX. A lock still
    /// held is waited for briefly (`MaildropLocks.acquireWaiting`): the session that holds it may
    /// be one whose client just dropped the connection and reconnected, which the server learns
    /// only when it reads the close.
    func openMaildrop(username: String, _ context: ChannelHandlerContext) {
        let store = server.store, locks = server.locks, logger = self.logger
        perform(context) {
            guard let address = try? EmailAddress(username), let account = try? await store.account(address) else {
                return { handler, context in handler.sendFailure(.invalidCredentials, context) }
            }
            guard await locks.acquireWaiting(account.id) else {
                return { handler, context in
                    handler.send(context) { POP3Response.error("maildrop already locked by another session", code: .inUse, into: &$0) }
                }
            }
            do {
                guard let inbox = try await store.mailbox(of: account.id, named: Mailbox.inbox) else { throw MailStoreError.mailboxNotFound("INBOX") }
                let messages = try await store.messages(in: inbox.id)
                let maildrop = Maildrop(account: account, inbox: inbox, messages: messages)
                logger.info("login", metadata: ["user": "\(account.address)", "messages": "\(messages.count)"])
                return { handler, context in
                    // The client may have gone while INBOX was read: its lock must not outlive it.
                    guard case .authorization = handler.state else { return locks.release(account.id) }
                    handler.state = .transaction(maildrop)
                    handler.send(context) { POP3Response.ok("\(maildrop.live.count) messages (\(maildrop.octets) octets)", into: &$0) }
                }
            } catch {
                locks.release(account.id)
                logger.error("cannot open maildrop", metadata: ["error": "\(error)"])
                return { handler, context in
                    handler.send(context) { POP3Response.error("cannot open the maildrop now", code: .sysTemp, into: &$0) }
                }
            }
        }
    }
}
