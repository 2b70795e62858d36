import Foundation
import MailStore
import NIOCore
import ServerRuntime
import POP3Protocol

extension POP3SessionHandler {
    /// TRANSACTION state commands (RFC 1939 §5) and QUIT's UPDATE state (§6).
    func transaction(_ command: POP3Command, _ maildrop: Maildrop, _ context: ChannelHandlerContext) {
        switch command {
        case .stat:
            send(context) { POP3Response.ok("\(maildrop.live.count) \(maildrop.octets)", into: &$0) }
        case .list(nil):
            let lines = maildrop.live.map { "\($0.number) \($0.message.size)" }
            send(context) { POP3Response.ok("\(lines.count) messages", into: &$0); POP3Response.lines(lines, into: &$0) }
        case .list(let number?):
            guard let message = maildrop.message(number) else { return noSuchMessage(number, context) }
            send(context) { POP3Response.ok("\(number) \(message.size)", into: &$0) }
        case .uidl(nil):
            let lines = maildrop.live.map { "\($0.number) \(maildrop.uniqueID($0.message))" }
            send(context) { POP3Response.ok("unique-id listing follows", into: &$0); POP3Response.lines(lines, into: &$0) }
        case .uidl(let number?):
            guard let message = maildrop.message(number) else { return noSuchMessage(number, context) }
            send(context) { POP3Response.ok("\(number) \(maildrop.uniqueID(message))", into: &$0) }
        case .retr(let number):
            guard let message = maildrop.message(number) else { return noSuchMessage(number, context) }
            sendMessage(message, maildrop: maildrop, topLines: nil, context)
        case .top(let number, let lines):
            guard let message = maildrop.message(number) else { return noSuchMessage(number, context) }
            sendMessage(message, maildrop: maildrop, topLines: lines, context)
        case .dele(let number):
            guard maildrop.message(number) != nil else { return noSuchMessage(number, context) }
            var updated = maildrop
            updated.deleted.insert(number)
            state = .transaction(updated)
            send(context) { POP3Response.ok("message \(number) deleted", into: &$0) }
        case .rset:
            var updated = maildrop
            updated.deleted = []
            state = .transaction(updated)
            send(context) { POP3Response.ok("maildrop has \(updated.live.count) messages (\(updated.octets) octets)", into: &$0) }
        case .noop:
            send(context) { POP3Response.ok(into: &$0) }
        case .quit:
            update(maildrop, context)
        case .user, .pass, .apop, .auth, .stls:
            send(context) { POP3Response.error("already logged in", into: &$0) }
        case .capa:
            break  // handled before
        }
    }

    func noSuchMessage(_ number: Int, _ context: ChannelHandlerContext) {
        send(context) { POP3Response.error("no such message, or it is marked deleted: \(number)", into: &$0) }
    }

    /// RETR and TOP. The size in LIST is exactly the octets RETR sends before byte-stuffing
    /// (RFC 1939 §11 notes the stuffing is not counted). RETR marks the message \\Seen for IMAP.
    func sendMessage(_ message: StoredMessage, maildrop: Maildrop, topLines: Int?, _ context: ChannelHandlerContext) {
        let store = server.store, logger = self.logger
        perform(context) {
            do {
                let bytes = try await store.readBody(message.body)
                if topLines == nil && !message.flags.system.contains(.seen) {
                    _ = try? await store.setFlags(in: maildrop.inbox.id, uids: [message.uid], change: .add(MessageFlags(system: .seen)), unchangedSince: nil)
                }
                return { handler, context in
                    handler.send(context) { buffer in
                        buffer.reserveCapacity(bytes.count + bytes.count / 50 + 64)
                        if let topLines {
                            POP3Response.ok("top of message follows", into: &buffer)
                            POP3Response.stuffedMessage(POP3Response.top(bytes, lines: topLines), into: &buffer)
                        } else {
                            POP3Response.ok("\(bytes.count) octets", into: &buffer)
                            POP3Response.stuffedMessage(bytes, into: &buffer)
                        }
                    }
                }
            } catch {
                logger.error("cannot read message", metadata: ["uid": "\(message.uid)", "error": "\(error)"])
                return { handler, context in
                    handler.send(context) { POP3Response.error("cannot read that message now", code: .sysTemp, into: &$0) }
                }
            }
        }
    }

    /// UPDATE state (RFC 1939 §6): remove the messages marked with DELE, then close. IMAP sessions
    /// on the same INBOX hear of the expunge through the store's change feed.
    func update(_ maildrop: Maildrop, _ context: ChannelHandlerContext) {
        let store = server.store, logger = self.logger
        let uids = maildrop.deleted.sorted().map { maildrop.messages[$0 - 1].uid }
        perform(context) {
            do {
                if !uids.isEmpty { _ = try await store.expunge(in: maildrop.inbox.id, uids: uids) }
                logger.info("logout", metadata: ["user": "\(maildrop.account.address)", "deleted": "\(uids.count)"])
                // The lock goes before the +OK: a client that reconnects the moment it reads the
                // reply must find the maildrop free (RFC 1939 §6: UPDATE ends the session).
                return { handler, context in
                    handler.releaseLock()
                    handler.send(context) { POP3Response.ok("\(handler.server.configuration.hostname) signing off (\(uids.count) deleted)", into: &$0) }
                    handler.state = .closed
                    context.channel.closeAfterLastReply()
                }
            } catch {
                logger.error("could not remove deleted messages", metadata: ["error": "\(error)"])
                return { handler, context in
                    handler.releaseLock()
                    handler.send(context) { POP3Response.error("some deleted messages were not removed", code: .sysTemp, into: &$0) }
                    handler.state = .closed
                    context.channel.closeAfterLastReply()
                }
            }
        }
    }
}
