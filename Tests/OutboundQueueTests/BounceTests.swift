import Foundation
import HatoTesting
import MailCore
import MailStore
import OutboundQueue
import Testing

@Suite struct BounceTests {
    static func refuseAll(_ reply: DeliveryReply) -> ScriptedTransport {
        ScriptedTransport { envelope, _ in .refused(envelope, reply) }
    }
    static let userUnknown = DeliveryReply(code: 550, enhancedCode: "5.1.1", text: "no such user here")

    @Test func permanentFailureBouncesALocalSenderWithAnRFC3464Report() async throws {
        let fixture = try await QueueFixture()
        try await fixture.enqueue("doomed", to: ["bob@remote.test", "carol@remote.test"], envid: "env+2B7")
        // bob refused, carol accepted.
        let transport = ScriptedTransport { envelope, _ in
            DeliveryResponse(mailFrom: .ok, recipients: [Self.userUnknown, .ok], data: .ok)
        }
        try await fixture.runner(transport).deliverDue()
        #expect(try await fixture.store.queuedMessages().isEmpty, "both recipients final")
        let inbox = try await fixture.inbox()
        try #require(inbox.count == 1)
        let dsn = inbox[0]
        #expect(dsn.hasPrefix("Return-Path: <>\r\nDelivered-To: alice@example.test\r\n"), "null envelope sender")
        #expect(dsn.contains("From: Mail Delivery System <MAILER-DAEMON@mail.example.test>\r\n"))
        #expect(dsn.contains("Auto-Submitted: auto-replied\r\n"))
        #expect(dsn.contains("Content-Type: multipart/report; report-type=delivery-status;"))
        #expect(dsn.contains("Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mail.example.test\r\nOriginal-Envelope-Id: env+7\r\nArrival-Date: "))
        #expect(dsn.contains("""
            Final-Recipient: rfc822; bob@remote.test\r
            Original-Recipient: rfc822; bob@remote.test\r
            Action: failed\r
            Status: 5.1.1\r
            Remote-MTA: dns; mx1.remote.test\r
            Diagnostic-Code: smtp; 550 5.1.1 no such user here\r
            """))
        #expect(!dsn.contains("Final-Recipient: rfc822; carol@remote.test"), "only the failed recipient is reported")
        #expect(dsn.contains("Content-Type: text/rfc822-headers\r\n\r\nFrom: alice@example.test\r\n"))
        #expect(dsn.contains("Subject: doomed\r\n") && !dsn.contains("body of doomed"), "headers only without RET=FULL")
    }

    @Test func retFullReturnsTheWholeMessage() async throws {
        let fixture = try await QueueFixture()
        try await fixture.enqueue("full", to: ["bob@remote.test"], ret: "FULL")
        try await fixture.runner(Self.refuseAll(Self.userUnknown)).deliverDue()
        let dsn = try #require(try await fixture.inbox().first)
        #expect(dsn.contains("Content-Type: message/rfc822\r\n\r\nFrom: alice@example.test\r\n"))
        #expect(dsn.contains("body of full\r\n"))
    }

    @Test func nullSenderAndNotifyNeverGetNoBounce() async throws {
        let fixture = try await QueueFixture()
        try await fixture.enqueue("a bounce itself", to: ["bob@remote.test"], from: nil)
        try await fixture.enqueue("never tell me", to: ["bob@remote.test"], notify: .never)
        try await fixture.enqueue("success only", to: ["bob@remote.test"], notify: .success)
        try await fixture.runner(Self.refuseAll(Self.userUnknown)).deliverDue()
        #expect(try await fixture.store.queuedMessages().isEmpty, "failed recipients leave the queue")
        #expect(try await fixture.inbox().isEmpty, "no bounce for <>, NOTIFY=NEVER or NOTIFY=SUCCESS")
    }

    @Test func aRemoteSendersBounceIsQueuedWithTheNullSender() async throws {
        let fixture = try await QueueFixture()
        try await fixture.enqueue("forwarded", to: ["bob@remote.test"], from: "someone@other.test")
        try await fixture.runner(Self.refuseAll(Self.userUnknown)).deliverDue()
        let queued = try await fixture.store.queuedMessages()
        try #require(queued.count == 1)
        #expect(queued[0].mailFrom == nil)
        #expect(queued[0].recipients.map(\.address.description) == ["someone@other.test"] && queued[0].recipients[0].dsn.notify == .never)
        let text = String(decoding: try await fixture.store.readBody(queued[0].body), as: UTF8.self)
        #expect(text.hasPrefix("Received: by mail.example.test (Hato) id dsn; "))
        #expect(text.contains("Status: 5.1.1\r\n"))
    }

    @Test func nullMXBouncesAtOnceWithoutConnecting() async throws {
        let fixture = try await QueueFixture()
        try await fixture.enqueue("nowhere", to: ["bob@nullmx.test"])
        let transport = ScriptedTransport()
        try await fixture.runner(transport).deliverDue()
        #expect(transport.connects.isEmpty)
        let dsn = try #require(try await fixture.inbox().first)
        #expect(dsn.contains("Status: 5.1.10\r\n"))
        #expect(dsn.contains("Diagnostic-Code: X-Hato; 556 5.1.10 nullmx.test does not accept mail (null MX, RFC 7505)\r\n"))
        #expect(!dsn.contains("Remote-MTA"))
    }

    @Test func temporaryFailuresBecomeFinalAfterTheQueueLifetime() async throws {
        let fixture = try await QueueFixture()
        let id = try await fixture.enqueue("slow", to: ["bob@remote.test"])
        var configuration = OutboundConfiguration(hostname: QueueFixture.hostname)
        configuration.retry = RetrySchedule(initialInterval: .seconds(3600), maxInterval: .seconds(86400), maxQueueTime: .seconds(3 * 3600))
        let runner = try fixture.runner(Self.refuseAll(DeliveryReply(code: 451, enhancedCode: "4.3.0", text: "try later")), configuration: configuration)
        var attempts = 0
        while try await fixture.store.queuedMessage(id) != nil && attempts < 10 {
            await runner.deliverDue()
            attempts += 1
            fixture.clock.advance(3 * 3600 + 60)
        }
        // Attempts at 0 h and after the 3 h deadline: two in total.
        #expect(attempts == 2)
        let dsn = try #require(try await fixture.inbox().first)
        #expect(dsn.contains("Action: failed\r\nStatus: 4.4.7\r\n"))
        #expect(dsn.contains("Diagnostic-Code: smtp; 451 4.3.0 try later\r\n"))
    }

    @Test func oneDelayWarningOnceTheConfiguredTimeHasPassed() async throws {
        let fixture = try await QueueFixture()
        let id = try await fixture.enqueue("delayed", to: ["bob@remote.test"])
        var configuration = OutboundConfiguration(hostname: QueueFixture.hostname)
        configuration.delayWarning = .seconds(600)
        let runner = try fixture.runner(Self.refuseAll(DeliveryReply(code: 450, enhancedCode: "4.2.1", text: "mailbox busy")), configuration: configuration)
        for _ in 0..<5 {
            await runner.deliverDue()
            fixture.clock.advance(3600)
        }
        let queued = try #require(try await fixture.store.queuedMessage(id))
        #expect(queued.recipients[0].attempts == 5)
        let inbox = try await fixture.inbox()
        #expect(inbox.count == 1, "one warning, not one per attempt")
        #expect(inbox.first?.contains("Subject: Delayed Mail (still being retried)\r\n") == true)
        #expect(inbox.first?.contains("Action: delayed\r\nStatus: 4.2.1\r\n") == true)
        #expect(inbox.first?.contains("Will-Retry-Until: ") == true)
    }

    @Test func retrySchedulePolicy() {
        let schedule = RetrySchedule()
        #expect(schedule.interval(afterAttempt: 1) == .seconds(300))
        #expect(schedule.interval(afterAttempt: 2) == .seconds(600))
        #expect(schedule.interval(afterAttempt: 20) == .seconds(4 * 3600), "capped")
        let queued = Date(timeIntervalSince1970: 0)
        #expect(schedule.nextAttempt(afterAttempt: 1, at: queued, queuedAt: queued) == Date(timeIntervalSince1970: 300))
        #expect(schedule.nextAttempt(afterAttempt: 30, at: queued.addingTimeInterval(5 * 86400 - 60), queuedAt: queued)
                == queued.addingTimeInterval(5 * 86400), "the last try falls on the 5-day deadline")
        #expect(schedule.nextAttempt(afterAttempt: 31, at: queued.addingTimeInterval(5 * 86400), queuedAt: queued) == nil)
    }
}
