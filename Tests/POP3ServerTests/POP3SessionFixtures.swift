import Foundation
import MailCore
import MailStore
import NIOCore
@testable import POP3Server
import SASL
import Testing

/// Renders what `POP3Session` returns as readable lines: a reply as it goes on the wire (a
/// multi-line reply joined with " | "), the other actions by name.
func render(_ actions: [POP3Action]) -> [String] {
    actions.map { action in
        switch action {
        case .send(let reply):
            var buffer = ByteBuffer()
            reply.write(into: &buffer)
            var text = String(buffer: buffer)
            if text.hasSuffix("\r\n") { text.removeLast(1) }  // "\r\n" is one Character
            return text.replacingOccurrences(of: "\r\n", with: " | ")
        case .run(let step):
            switch step {
            case .authenticate(let mechanism, _, _): return "run authenticate \(mechanism)"
            case .continueAuthentication(_, let response): return "run respond \(response)"
            case .checkPassword(let user, _): return "run check password of \(user)"
            case .openMaildrop(let user): return "run open maildrop of \(user)"
            case .read(let message, _, let top): return "run read \(message.uid)" + (top.map { " top \($0)" } ?? "")
            case .update(let maildrop): return "run update deleting \(maildrop.deleted.sorted())"
            }
        case .startTLS: return "start TLS"
        case .releaseLock(let account): return "release lock \(account)"
        case .close: return "close"
        case .armIdleTimer: return "arm idle timer"
        case .armLoginTimer(let delay): return "arm login timer \(delay.components.seconds)s"
        case .cancelTimers: return "cancel timers"
        }
    }
}

enum POP3SessionFixtures {
    static let accountID = AccountID(7)
    static let user = "alice@example.test"

    /// Three messages of 10, 20 and 30 octets, UIDs 1-3, UIDVALIDITY 42.
    static func maildrop() throws -> Maildrop {
        let account = Account(id: accountID, address: try EmailAddress(user), credentials: [], quota: .unlimited,
                              usage: QuotaUsage(bytes: 0, messages: 0), createdAt: Date())
        let inbox = Mailbox(id: MailboxID(1), accountID: accountID, name: Mailbox.inbox, specialUse: nil,
                            uidValidity: 42, uidNext: 4, highestModSeq: 1)
        let messages = (1...3).map {
            StoredMessage(mailboxID: inbox.id, uid: UInt32($0), modSeq: 1, flags: MessageFlags(), internalDate: Date(),
                          size: Int64($0 * 10), body: BodyReference(path: "body-\($0)"), summary: nil)
        }
        return Maildrop(account: account, inbox: inbox, messages: messages)
    }

    static func session(loopback: Bool = true, tlsActive: Bool = false, stlsAvailable: Bool = true) -> POP3Session {
        var session = POP3Session(
            settings: .init(hostname: "mail.example.test", sasl: SASLPolicy(loopbackCountsAsSecure: true),
                            loginTimeout: .seconds(120), loopback: loopback, stlsAvailable: stlsAvailable),
            tlsActive: tlsActive)
        _ = session.handle(.greeting)
        return session
    }

    /// A session in TRANSACTION state over `maildrop()`, logged in with USER/PASS.
    static func loggedIn() throws -> POP3Session {
        var session = session()
        #expect(session.say("USER \(user)") == ["+OK send PASS"])
        #expect(session.say("PASS secret") == ["run check password of \(user)"])
        #expect(session.finish(.login(.authenticated(SASLIdentity(username: user, mechanism: .plain)))) == ["run open maildrop of \(user)"])
        #expect(session.finish(.maildrop(.success(try maildrop()))) == ["+OK 3 messages (60 octets)"])
        return session
    }
}

extension POP3Session {
    /// One command line; every complete line restarts the autologout timer first (RFC 1939 §3).
    mutating func say(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        let actions = render(handle(.line(.line(line))))
        #expect(actions.first == "arm idle timer", sourceLocation: sourceLocation)
        return Array(actions.dropFirst())
    }

    /// A step's result; applying one restarts the autologout timer first.
    mutating func finish(_ result: POP3StepResult, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        let actions = render(handle(.stepFinished(result)))
        #expect(actions.first == "arm idle timer", sourceLocation: sourceLocation)
        return Array(actions.dropFirst())
    }
}
