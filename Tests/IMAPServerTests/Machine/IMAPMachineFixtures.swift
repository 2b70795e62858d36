import Foundation
import IMAPProtocol
@testable import IMAPServer
import MailCore
import MailStore
import NIOCore
import SASL
import Testing

/// An in-memory driver for `IMAPSession`: it does what `SessionDriver` (with
/// `IMAPSessionAdapter`) does with bytes
/// (buffer them, decode while the session reads commands, discard at STARTTLS, continue a FETCH
/// when "the client has read" its output) and renders the actions as readable lines: each
/// response as it goes on the wire without its CRLF, the other actions by name.
struct IMAPMachine {
    var session: IMAPSession
    var input = ByteBuffer()
    /// The event loop's clock, moved by hand.
    var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
    /// Timer actions are rendered too (off by default: most tests look at what the client sees).
    var showTimers = false
    /// The step of the last `.run` (for its arguments).
    var lastStep: IMAPStep?

    static let user = "alice@example.test"
    static let alice = AuthenticatedUser(accountID: AccountID(7), address: try! EmailAddress(user))

    static func settings(loopback: Bool = true, tlsAvailable: Bool = true, limits: IMAPLimits = IMAPLimits()) -> IMAPSession.Settings {
        var limits = limits
        limits.maxLiteralSize = 1024 * 1024
        return IMAPSession.Settings(
            hostname: "mail.example.test", limits: limits, maxOtherLiteralSize: 64 * 1024,
            sasl: SASLPolicy(loopbackCountsAsSecure: true), loopback: loopback, tlsAvailable: tlsAvailable,
            idleTimeout: .seconds(1800), loginTimeout: .seconds(60), commandTimeout: .seconds(60), minimumLiteralRate: 1024)
    }

    /// A session after its greeting.
    init(loopback: Bool = true, tlsAvailable: Bool = true, tlsActive: Bool = false, limits: IMAPLimits = IMAPLimits(),
         maxUpdateContexts: Int = 10, notifyMaxQueued: Int = 1_000) {
        var settings = Self.settings(loopback: loopback, tlsAvailable: tlsAvailable, limits: limits)
        settings.maxUpdateContexts = maxUpdateContexts
        settings.notifyMaxQueued = notifyMaxQueued
        session = IMAPSession(settings: settings, tlsActive: tlsActive)
        _ = session.handle(.greeting)
    }

    /// Logged in as alice through LOGIN.
    static func loggedIn(maxUpdateContexts: Int = 10, notifyMaxQueued: Int = 1_000) -> IMAPMachine {
        var machine = IMAPMachine(maxUpdateContexts: maxUpdateContexts, notifyMaxQueued: notifyMaxQueued)
        #expect(machine.say("l1 LOGIN \(user) secret\r\n") == ["run checkPassword"])
        #expect(machine.finish(.login(tag: "l1", .authenticated(SASLIdentity(username: user, mechanism: .plain)))) == ["run openSession"])
        let reply = machine.finish(.session(tag: "l1", .success(alice)))
        #expect(reply.count == 1 && reply[0].hasPrefix("l1 OK [CAPABILITY IMAP4rev1 ") && reply[0].hasSuffix("] logged in"))
        return machine
    }

    /// Logged in, with INBOX (UIDs 1-3, UIDVALIDITY 42) selected.
    static func selected(readOnly: Bool = false) -> IMAPMachine {
        var machine = loggedIn()
        #expect(machine.say("s1 \(readOnly ? "EXAMINE" : "SELECT") INBOX\r\n") == ["run select"])
        _ = machine.finish(.selected(selectOutcome(tag: "s1", readOnly: readOnly)))
        return machine
    }

    static let inbox = Mailbox(id: MailboxID(1), accountID: AccountID(7), name: Mailbox.inbox, specialUse: nil,
                               uidValidity: 42, uidNext: 4, highestModSeq: 5)

    static func message(_ uid: UInt32, size: Int64 = 100, seen: Bool = false) -> StoredMessage {
        StoredMessage(mailboxID: inbox.id, uid: uid, modSeq: 5, flags: MessageFlags(system: seen ? .seen : []), internalDate: Date(),
                      size: size, body: BodyReference(path: "body-\(uid)"), summary: nil)
    }

    static func selectOutcome(tag: String, readOnly: Bool = false) -> IMAPSelectOutcome {
        IMAPSelectOutcome(tag: tag, mailbox: inbox, messages: [message(1, seen: true), message(2), message(3)].map(MessageState.init),
                          stream: AsyncStream { $0.finish() }, readOnly: readOnly, parameters: IMAPSelectParameters(), vanished: [],
                          listAttributes: [], assignedBeforeSubscribing: 3, user: alice)
    }

    // MARK: driving

    /// Bytes from the client, all at once.
    mutating func say(_ text: String) -> [String] { receive(Array(text.utf8)) }

    /// Bytes from the client, one read per byte.
    mutating func sayByteByByte(_ text: String) -> [String] {
        Array(text.utf8).flatMap { receive([$0]) }
    }

    mutating func receive(_ bytes: [UInt8]) -> [String] {
        var lines = render(session.handle(.received(octets: bytes.count, at: now)))
        input.writeBytes(bytes)
        return lines + drain()
    }

    /// A step's result; then the input that waited behind it is decoded (`didApplyStep`).
    mutating func finish(_ result: IMAPStepResult) -> [String] {
        let lines = render(session.handle(.stepFinished(result)))
        return session.isClosed ? lines : lines + drain()
    }

    mutating func event(_ event: IMAPSession.Event) -> [String] { render(session.handle(event)) }

    private mutating func drain() -> [String] {
        var lines: [String] = []
        while session.readsCommands, let decoded = session.nextInput(from: &input) {
            lines += render(session.handle(.input(decoded)))
        }
        if session.isClosed { return lines }
        return lines + render(session.handle(.inputDrained(bufferEmpty: input.readableBytes == 0)))
    }

    mutating func render(_ actions: [IMAPAction]) -> [String] {
        var lines: [String] = []
        for action in actions {
            switch action {
            case .send(let responses):
                for response in responses { lines.append(Self.wire(session.encoder.encode(response))) }
            case .sendRaw(let buffer): lines.append("raw " + Self.wire(buffer))
            case .run(let step):
                lastStep = step
                lines.append("run " + String("\(step)".prefix { $0 != "(" }))
            case .continueWhenWritable:
                lines.append("when writable")
                lines += render(session.handle(.outputWritable))
            case .startTLS:
                input.clear()  // as the driver does: pipelined plaintext is discarded
                lines.append("start TLS")
            case .startCompression: lines.append("start DEFLATE")
            case .quickAck: lines.append("quick ack")
            case .listen: lines.append("listen")
            case .notifyWatch(_, let mailboxes, _): lines.append("notify watch \(mailboxes.count)")
            case .releaseSessionSlot(let account): lines.append("release slot \(account)")
            case .armTimer(let timer, let delay): if showTimers { lines.append("arm \(timer) \(delay.components.seconds)s") }
            case .cancelTimer(let timer): if showTimers { lines.append("cancel \(timer)") }
            case .close: lines.append("close")
            }
        }
        return lines
    }

    static func wire(_ buffer: ByteBuffer) -> String {
        var text = String(buffer: buffer)
        if text.hasSuffix("\r\n") { text.removeLast() }  // "\r\n" is one Character
        return text.replacingOccurrences(of: "\r\n", with: " | ")
    }
}
