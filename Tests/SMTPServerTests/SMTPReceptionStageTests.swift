import Foundation
import HatoTesting
import MailCore
import MailStore
import Reception
import SMTPProtocol
import Testing

/// The example stage of docs/architecture.md, plugged into a real SMTP listener: the session
/// only maps its verdicts to replies.
@Suite struct SMTPReceptionStageTests {
    struct ExampleStage: ReceptionStage {
        /// The docs use 198.51.100.; the test refuses loopback to see the reply.
        var refusedPrefix = "198.51.100."
        var name: String { "example" }
        var phases: ReceptionPhases { [.connection, .message] }

        func connection(_ client: ReceptionClient) async -> ReceptionVerdict {
            guard client.remoteIP.hasPrefix(refusedPrefix) else { return .accept }
            return .reject(ReceptionRefusal(554, SMTPEnhancedStatusCode(5, 7, 1)!, "Not accepting mail from your network"))
        }

        func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction,
                     client: ReceptionClient) async -> ReceptionVerdict {
            guard message.content.parsed.header.field("List-Unsubscribe") != nil else { return .accept }
            return .tag([.keyword("$Newsletter"), .header("X-Example: newsletter\r\n")])
        }
    }

    @Test func connectionStageRefusesWith554() async throws {
        let fixture = try await SMTPFixture.start(profile: .mx, extraStages: [ExampleStage(refusedPrefix: "127.0.0.")])
        let result = try await Python.run("""
            import socket, sys
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
            print(s.recv(1000).decode().strip()); print(s.recv(1000) == b"")
            """, arguments: [fixture.port])
        #expect(result.stdout == "554 5.7.1 mail.example.test Not accepting mail from your network\nTrue\n", "\(result.stderr)")
        try await fixture.stop()
    }

    @Test func messageStageTagsWhatIsStored() async throws {
        let fixture = try await SMTPFixture.start(profile: .mx, extraStages: [ExampleStage()])
        let result = try await Python.run("""
            import smtplib, sys
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
            print(s.sendmail("news@remote.test", ["alice@example.test"], b"List-Unsubscribe: <mailto:u@remote.test>\\r\\nSubject: weekly\\r\\n\\r\\nnews\\r\\n"))
            print(s.sendmail("friend@remote.test", ["alice@example.test"], b"Subject: hi\\r\\n\\r\\nhello\\r\\n"))
            s.quit()
            """, arguments: [fixture.port])
        #expect(result.stdout == "{}\n{}\n", "\(result.stderr)")
        let inbox = try #require(try await fixture.store.mailbox(of: fixture.alice.id, named: "INBOX"))
        let messages = try await fixture.store.messages(in: inbox.id)
        #expect(messages.map(\.flags.keywords) == [["$Newsletter"], []])
        let first = String(decoding: try await fixture.store.readBody(try #require(messages.first).body), as: UTF8.self)
        #expect(first.contains("\r\nX-Example: newsletter\r\n"), "the tag's field is stored")
        #expect(first.hasPrefix("Return-Path: <news@remote.test>\r\nDelivered-To: alice@example.test\r\nX-Example: newsletter\r\nReceived: "))
        try await fixture.stop()
    }
}
