import Foundation
import HatoTesting
import MailCore
import MailStore
import OutboundQueue
import Testing

/// RFC 3461 §5.2.2: a sender who asked for NOTIFY=SUCCESS hears "relayed" from us when the next
/// MTA does not announce DSN (it cannot carry the request on), and nothing when it does.
@Suite struct SuccessNotificationTests {
    static func accepting(peerSupportsDSN: Bool) -> ScriptedTransport {
        ScriptedTransport { envelope, _ in
            DeliveryResponse(mailFrom: .ok, recipients: envelope.recipients.map { _ in .ok }, data: .ok, peerSupportsDSN: peerSupportsDSN)
        }
    }

    @Test func relayedToAPeerWithoutDSN() async throws {
        let fixture = try await QueueFixture()
        try await fixture.enqueue("confirm me", to: ["bob@remote.test"], notify: [.success, .failure], ret: "FULL", envid: "trk1")
        try await fixture.enqueue("no request", to: ["carol@remote.test"])
        try await fixture.enqueue("failures only", to: ["dave@remote.test"], notify: .failure)
        try await fixture.runner(Self.accepting(peerSupportsDSN: false)).deliverDue()
        #expect(try await fixture.store.queuedMessages().isEmpty)
        let inbox = try await fixture.inbox()
        try #require(inbox.count == 1, "one report, for the one recipient that asked: \(inbox)")
        let dsn = inbox[0]
        #expect(dsn.hasPrefix("Return-Path: <>\r\n"), "reports go out with the null sender")
        #expect(dsn.contains("Subject: Successful Mail Delivery Report\r\n"))
        #expect(dsn.contains("this is the only report you will receive"))
        #expect(dsn.contains("Original-Envelope-Id: trk1\r\n"))
        #expect(dsn.contains("""
            Final-Recipient: rfc822; bob@remote.test\r
            Original-Recipient: rfc822; bob@remote.test\r
            Action: relayed\r
            Status: 2.0.0\r
            Remote-MTA: dns; mx1.remote.test\r
            Diagnostic-Code: smtp; 250 2.0.0 ok\r
            """), "\(dsn)")
        // RFC 3461 §4.3: RET=FULL is for failure reports; this one carries the headers only.
        #expect(dsn.contains("Content-Type: text/rfc822-headers\r\n\r\nFrom: alice@example.test\r\n"))
        #expect(!dsn.contains("body of confirm me"))
    }

    @Test func nothingWhenThePeerCarriesTheRequestOn() async throws {
        let fixture = try await QueueFixture()
        try await fixture.enqueue("confirm me", to: ["bob@remote.test"], notify: .success)
        try await fixture.runner(Self.accepting(peerSupportsDSN: true)).deliverDue()
        #expect(try await fixture.store.queuedMessages().isEmpty)
        #expect(try await fixture.inbox().isEmpty, "the DSN-capable peer reports delivery itself")
    }
}
