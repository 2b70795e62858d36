import Foundation
import HatoTesting
import LocalDelivery
import Logging
import MailCore
import MailMessage
import MailStore
import MilterClient
import MilterProtocol
import NIOCore
import NIOPosix
import Reception
import SMTPProtocol
import Testing

/// The milter stage against purepythonmilter (PyPI): what a user sees is the SMTP refusal the
/// verdict maps to and the message as it would be stored.
@Suite(.enabled(if: ScriptedMilter.available || ScriptedMilter.required, "purepythonmilter is not installed: pip install purepythonmilter"))
struct MilterStageTests {
    static let message = Array("""
        From: Alice <alice@remote.test>\r
        To: bob@example.test\r
        Subject: hello\r
        X-Drop: remove me\r
        \r
        Original body.\r

        """.utf8)

    static func filter(_ socket: String, defaultAction: MilterDefaultAction = .tempfail, endOfMessage: Int64 = 30) -> MilterFilter {
        MilterFilter(name: "scripted", endpoint: .unix(path: socket),
                     timeouts: MilterTimeouts(connect: .seconds(30), command: .seconds(30), endOfMessage: .seconds(endOfMessage)),
                     limits: .default, defaultAction: defaultAction, listeners: [.mx])
    }

    /// Runs the stage on the test message; returns the verdict and the message after it.
    static func run(_ filter: MilterFilter, listener: ReceptionListener = .mx) async throws -> (ReceptionVerdict, ReceptionMessage) {
        let stage = MilterStage(filters: [filter], group: MultiThreadedEventLoopGroup.singleton)
        var client = ReceptionClient(hostname: "mx.example.test", listener: listener, remoteIP: "192.0.2.10", logger: Logger(label: "test"))
        client.helo = "mail.remote.test"
        var transaction = ReceptionTransaction(id: "Q42", mailFrom: try EmailAddress("alice@remote.test"), parameters: SMTPMailParameters())
        transaction.recipients = [AcceptedRecipient(address: try EmailAddress("bob@example.test"), resolution: .notLocal),
                                  AcceptedRecipient(address: try EmailAddress("carol@example.test"), resolution: .notLocal)]
        var message = ReceptionMessage(content: ReceivedMessage(bytes: Self.message))
        let verdict = await stage.message(&message, transaction: transaction, client: client)
        return (verdict, message)
    }

    private func started(_ mode: String, _ directory: TemporaryDirectory) async throws -> ScriptedMilter {
        try #require(ScriptedMilter.available, "CI is set but purepythonmilter is not installed")
        return try await ScriptedMilter(mode: mode, directory: directory)
    }

    @Test func headerAndBodyEditsReachTheStoredMessage() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-milter")
        let milter = try await started("edit", directory)
        let (verdict, message) = try await Self.run(Self.filter(milter.socket))
        #expect(verdict == .accept, "\(milter.log)")
        let stored = String(decoding: message.content.bytes, as: UTF8.self)
        #expect(stored.hasPrefix("X-Top: first\r\nFrom: Alice <alice@remote.test>\r\n"), "\(stored)")
        #expect(stored.contains("Subject: [filtered] hello\r\n"))
        #expect(!stored.contains("X-Drop"))
        #expect(stored.contains("X-Seen: from=alice@remote.test i=Q42 mail_addr=alice@remote.test rcpt=bob@example.test,carol@example.test body=16\r\n"))
        #expect(stored.hasSuffix("\r\n\r\nReplaced body.\r\n"))
        #expect(message.content.header["Subject"] == "[filtered] hello")
        #expect(message.hold == nil)
    }

    @Test func quarantineHoldsTheMessage() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-milter")
        let milter = try await started("quarantine", directory)
        let (verdict, message) = try await Self.run(Self.filter(milter.socket))
        #expect(verdict == .accept, "\(milter.log)")
        #expect(message.hold == ReceptionHold(verdict: "milter-quarantine", reason: "looks odd"))
    }

    /// SMFIR_DELRCPT, SMFIR_ADDRCPT, SMFIR_CHGFROM become envelope changes, in the filter's
    /// order, with the angle brackets gone; the message itself is left alone.
    @Test func envelopeChangesAreCollected() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-milter")
        let milter = try await started("envelope", directory)
        let (verdict, message) = try await Self.run(Self.filter(milter.socket))
        #expect(verdict == .accept, "\(milter.log)")
        #expect(message.envelopeChanges == [
            .deleteRecipient(try EmailAddress("alice@example.test")), .addRecipient(try EmailAddress("bob@example.test")),
            .addRecipient(try EmailAddress("outsider@elsewhere.test")), .changeFrom(try EmailAddress("bounces@example.test")),
        ])
        #expect(message.content.bytes == Self.message)
    }

    /// SMFIR_REPLYCODE with two lines: the filter's code, enhanced code and text reach the client.
    @Test func replyCodeBecomesTheRefusal() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-milter")
        let milter = try await started("tempfail", directory)
        let (verdict, _) = try await Self.run(Self.filter(milter.socket, defaultAction: .reject))
        guard case .defer(let refusal) = verdict else { Issue.record("\(verdict)"); return }
        #expect(refusal.code == 451)
        #expect(refusal.enhancedCode == SMTPEnhancedStatusCode(4, 7, 1))
        #expect(refusal.text == "greylisted come back later")
    }

    /// A refusal at RCPT ends the conversation with that reply (the stage runs at end of data).
    @Test func recipientRefusalRefusesTheMessage() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-milter")
        let milter = try await started("reject-rcpt", directory)
        let (verdict, _) = try await Self.run(Self.filter(milter.socket))
        guard case .reject(let refusal) = verdict else { Issue.record("\(verdict)"); return }
        #expect(refusal.code == 550)
        #expect(refusal.enhancedCode == SMTPEnhancedStatusCode(5, 1, 1))
        #expect(refusal.text == "no such user here")
    }

    @Test func earlyAcceptLeavesTheMessageAlone() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-milter")
        let milter = try await started("accept-early", directory)
        let (verdict, message) = try await Self.run(Self.filter(milter.socket, defaultAction: .reject))
        #expect(verdict == .accept, "\(milter.log)")
        #expect(message.content.bytes == Self.message)
    }

    /// A filter that dies mid-message: `default_action` decides.
    @Test(arguments: [MilterDefaultAction.accept, .tempfail, .reject])
    func filterDyingMidMessageAppliesTheDefaultAction(_ action: MilterDefaultAction) async throws {
        let directory = try TemporaryDirectory(prefix: "hato-milter")
        let milter = try await started("die", directory)
        let (verdict, message) = try await Self.run(Self.filter(milter.socket, defaultAction: action))
        switch action {
        case .accept:
            #expect(verdict == .accept, "\(milter.log)")
            #expect(message.content.bytes == Self.message)
        case .tempfail: #expect(verdict.refusal?.code == 451)
        case .reject: #expect(verdict.refusal?.code == 554)
        }
    }

    /// A filter slower than the end-of-message timeout is given up on (no elapsed time asserted).
    @Test func slowFilterTimesOut() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-milter")
        let milter = try await started("slow", directory)
        let (verdict, _) = try await Self.run(Self.filter(milter.socket, defaultAction: .tempfail, endOfMessage: 2))
        #expect(verdict.refusal?.code == 451)
        #expect(verdict.refusal?.isTemporary == true)
    }

    @Test func unreachableFilterAppliesTheDefaultAction() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-milter")
        let (rejected, _) = try await Self.run(Self.filter(directory.path + "/nobody.sock", defaultAction: .reject))
        #expect(rejected.refusal?.code == 554)
        let (accepted, _) = try await Self.run(Self.filter(directory.path + "/nobody.sock", defaultAction: .accept))
        #expect(accepted == .accept)
    }

    /// Filters apply to the listeners they are configured for (MX only here).
    @Test func submissionIsNotFilteredUnlessConfigured() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-milter")
        let (verdict, _) = try await Self.run(Self.filter(directory.path + "/nobody.sock", defaultAction: .reject), listener: .submission)
        #expect(verdict == .accept)
    }
}
