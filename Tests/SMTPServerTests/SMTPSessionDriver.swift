import Foundation
import LocalDelivery
import MailCore
import MailStore
import NIOCore
import Reception
import SASL
import SMTPProtocol
@testable import SMTPServer
import Testing

/// A clock that moves only when told (the session's `Settings.now`).
final class ManualClock: @unchecked Sendable {
    var now = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
    func advance(by duration: Duration) { now = now + TimeAmount(duration) }
}

/// The SMTP state machine in memory, driven the way `SessionDriver`
/// (with `SMTPSessionAdapter`) drives it on a channel
/// but with no channel at all: bytes go into an input buffer the session decodes from, a step's
/// result is applied and then the session goes on with what is buffered (the handler's
/// `didApplyStep`). Every action comes back rendered as a readable line (`render`).
struct SMTPSessionDriver {
    static let host = "mail.example.test"
    var session: SMTPSession
    var input = ByteBuffer()
    let clock = ManualClock()
    /// The last step the session asked for, so a test can answer it.
    var lastStep: SMTPStep?

    init(profile: SMTPProfile = .mx, phases: ReceptionPhases = [], tlsActive: Bool = false, startTLSAvailable: Bool = true,
         loopback: Bool = true, limits: SMTPLimits = SMTPLimits(maxMessageSize: 100_000), greet: Bool = true) {
        let clock = self.clock
        let settings = SMTPSession.Settings(
            hostname: Self.host, profile: profile, limits: limits, sasl: SASLPolicy(loopbackCountsAsSecure: true),
            remoteIP: loopback ? "127.0.0.1" : "192.0.2.7", loopback: loopback, startTLSAvailable: startTLSAvailable,
            phases: phases, now: { clock.now })
        session = SMTPSession(settings: settings, tlsActive: tlsActive)
        if greet { _ = event(.greeting) }
    }

    /// `text` arriving in one read: what the session did, without the timer every read ends with.
    mutating func say(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        input.writeString(text)
        return withoutTimer(render(session.receive(&input)), sourceLocation)
    }

    /// `text` arriving one byte per read: everything the session did, in order, without timers.
    mutating func drip(_ text: String) -> [String] {
        var lines: [String] = []
        for byte in Array(text.utf8) {
            input.writeInteger(byte)
            lines += render(session.receive(&input)).filter { !$0.hasSuffix(" timer") && !$0.hasPrefix("arm timer") }
        }
        return lines
    }

    /// A step's result, then the session goes on with the input buffered behind the command.
    mutating func finish(_ result: SMTPStepResult, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        let applied = render(session.handle(.stepFinished(result)))
        return withoutTimer(applied + render(session.receive(&input)), sourceLocation)
    }

    /// The RCPT stages found the recipient (a local account) or nobody.
    mutating func finishRecipient(found: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        guard case .recipient(var recipient, let dsn, _, _)? = lastStep else {
            Issue.record("no RCPT step is running", sourceLocation: sourceLocation)
            return []
        }
        lastStep = nil
        if found { recipient.resolution = .local([try Self.account(recipient.address.description)]) }
        return finish(.recipient(.success(recipient), dsn: dsn), sourceLocation: sourceLocation)
    }

    /// Every recipient got the message.
    mutating func finishDelivery(sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        guard case .deliver(let bytes, let transaction, _)? = lastStep else {
            Issue.record("no delivery is running", sourceLocation: sourceLocation)
            return []
        }
        lastStep = nil
        let outcomes = transaction.recipients.map { RecipientDelivery.delivered([$0.address]) }
        return finish(.delivered(.success(outcomes), transaction, size: bytes.count), sourceLocation: sourceLocation)
    }

    mutating func event(_ event: SMTPSession.Event) -> [String] {
        render(session.handle(event))
    }

    private func withoutTimer(_ lines: [String], _ sourceLocation: SourceLocation) -> [String] {
        #expect(lines.last?.hasSuffix("timer") == true || lines.last?.hasPrefix("arm timer") == true,
                "every read ends with the timer: \(lines)", sourceLocation: sourceLocation)
        return Array(lines.dropLast())
    }

    static func account(_ address: String, id: Int64 = 7) throws -> Account {
        Account(id: AccountID(id), address: try EmailAddress(address), credentials: [], quota: .unlimited,
                usage: QuotaUsage(bytes: 0, messages: 0), createdAt: Date())
    }

    /// Actions as readable lines: a reply as it goes on the wire (a multi-line reply joined with
    /// " | "), the other actions by name.
    mutating func render(_ actions: [SMTPAction]) -> [String] {
        actions.map { action in
            switch action {
            case .send(let reply):
                var text = reply.encoded()
                if text.hasSuffix("\r\n") { text.removeLast(1) }  // "\r\n" is one Character
                return text.replacingOccurrences(of: "\r\n", with: " | ")
            case .run(let step):
                lastStep = step
                return Self.describe(step)
            case .startTLS: return "start TLS"
            case .headerReceived(let header, _, _): return "header received: \(header.fields.map(\.name))"
            case .close: return "close"
            case .armTimer(let deadline): return "arm timer \((deadline - clock.now).nanoseconds / 1_000_000_000)s"
            case .cancelTimer: return "cancel timer"
            }
        }
    }

    static func describe(_ step: SMTPStep) -> String {
        switch step {
        case .connection: "run connection stages"
        case .helo(let client): "run helo stages \(client.helo ?? "")"
        case .mailFrom(let transaction, _): "run mail stages <\(transaction.mailFrom?.description ?? "")>"
        case .recipient(let recipient, _, _, _): "run rcpt stages <\(recipient.address)>"
        case .authenticate(let mechanism, _, _): "run authenticate \(mechanism)"
        case .continueAuthentication(_, let response): "run respond \(response)"
        case .lookUpAccount(let identity): "run look up \(identity.username)"
        case .deliver(.memory(let bytes), _, _):
            "run deliver " + String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "⏎")
        case .deliver(.spooled(let file), _, _):
            "run deliver \(file.size) spooled octets"
        }
    }
}
