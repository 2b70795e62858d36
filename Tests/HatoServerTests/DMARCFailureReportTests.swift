import DMARCReport
import DNSClient
import DNSMessage
import Foundation
import HatoServer
import HatoTesting
import Logging
import MailAuth
import MailCore
import MailStore
import MailStoreSQLite
import Reception
import SMTPServer
import Testing

/// RFC 9991 failure reports through the MX listener: spoofed mail from a p=reject domain whose
/// record asks for them (ruf=, fo=1) is refused, and a report is queued for each consenting
/// destination, at most `limit` an hour; parsedmarc (an independent parser) reads the queued
/// report as a failure report, and the copy of the header has its recipients redacted and no body.
@Suite(.serialized) struct DMARCFailureReportTests {
    @Test func spoofedMailIsReportedToConsentingDestinationsWithinTheLimit() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-ruf")
        let store = try SQLiteMailStore(directory: directory.url.appendingPathComponent("data"))
        try await store.addDomain(try Domain("example.test"))
        try await store.addAccount(try EmailAddress("alice@example.test"), credentials: [], quota: .unlimited)
        let dns = try await TestDNSServer.start(zoneText: """
            bank.test. IN TXT "v=spf1 ip4:192.0.2.1 -all"
            _dmarc.bank.test. IN TXT "v=DMARC1; p=reject; fo=1; ruf=mailto:ruf@bank.test,mailto:forensic@reports.example,mailto:x@nosay.example"
            bank.test._report._dmarc.reports.example. IN TXT "v=DMARC1"
            """)
        let resolver = DNSClient(configuration: DNSClientConfiguration(servers: [DNSServer(parsing: dns.address)!], timeout: .seconds(8)))
        let reporter = DMARCFailureReporter(store: store, resolver: resolver, from: try EmailAddress("dmarc-reports@example.test"), signer: nil,
                                            limitPerHour: 2, logger: Logger(label: "test"))
        var configuration = SMTPConfiguration(hostname: "mail.example.test", profile: .mx)
        configuration.inboundAuthentication = InboundAuthenticationPolicy(
            authenticator: InboundAuthenticator(resolver: resolver, authservID: "mail.example.test"), failureReporter: reporter)
        let listener = try await TestListener.start(SMTPServer(configuration: configuration, store: store), name: "mx")
        let sent = try await Python.run("""
            import smtplib, sys
            msg = (b"From: CEO <ceo@bank.test>\\r\\nTo: Alice Example <alice@example.test>\\r\\nSubject: wire transfer\\r\\n"
                   b"List-Unsubscribe: <http://bank.test/u>\\r\\n\\r\\nPlease pay the secret invoice today.\\r\\n")
            for i in range(3):
                s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="client.test")
                try: s.sendmail("ceo@bank.test", ["alice@example.test"], msg); print("accepted")
                except smtplib.SMTPDataError as e: print(e.smtp_code)
                s.quit()
            """, arguments: ["\(listener.port)"])
        #expect(sent.stdout == "550\n550\n550\n", "\(sent.stdout) \(sent.stderr)")
        var queued: [QueuedMessage] = []
        for _ in 0..<100 {
            queued = try await store.queuedMessages()
            if queued.count >= 2 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .milliseconds(300))
        queued = try await store.queuedMessages()
        #expect(queued.count == 2, "three failures, a limit of two an hour")
        let report = try #require(queued.first)
        #expect(Set(report.recipients.map(\.address.canonical)) == ["ruf@bank.test", "forensic@reports.example"],
                "internal and consenting destinations only")
        #expect(report.mailFrom?.canonical == "dmarc-reports@example.test")
        let bytes = try await store.readBody(report.body)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("To: Alice Example <redacted@example.test>"), "\(text)")
        #expect(!text.contains("secret invoice") && text.contains("hxxp://bank.test/u"), "no body, links defused")
        let file = directory.url.appendingPathComponent("report.eml")
        try Data(bytes).write(to: file)
        let parsed = try await Python.run("""
            import sys, parsedmarc
            r = parsedmarc.parse_report_file(sys.argv[1])
            f = r["report"]
            print(r["report_type"], f["feedback_type"], f["reported_domain"], f["source"]["ip_address"], f["auth_failure"],
                  f["delivery_result"], f["parsed_sample"]["subject"])
            """, arguments: [file.path])
        #expect(parsed.stdout == "failure auth-failure bank.test 127.0.0.1 ['dmarc'] reject wire transfer\n", "\(parsed.stdout) \(parsed.stderr)")
        try await listener.stop()
        try await store.close()
        try await dns.shutdown()
    }

    @Test func foDecidesWhenToReport() {
        func wants(_ fo: [String], spf: Bool, dkim: Bool, spfResult: String = "pass", dkimResults: [String] = []) -> Bool {
            FailureReportOptions.requested(fo: fo, spfAligned: spf, dkimAligned: dkim, spfResult: spfResult, dkimResults: dkimResults)
        }
        #expect(wants(["0"], spf: false, dkim: false))
        #expect(!wants(["0"], spf: true, dkim: false), "fo=0: only when nothing gave an aligned pass")
        #expect(wants(["1"], spf: true, dkim: false), "fo=1: when anything failed to")
        #expect(!wants(["1"], spf: true, dkim: true))
        #expect(wants(["d"], spf: true, dkim: true, dkimResults: ["pass", "fail"]), "fo=d: a failed signature, aligned or not")
        #expect(!wants(["d"], spf: true, dkim: true, dkimResults: ["pass"]))
        #expect(wants(["s"], spf: true, dkim: true, spfResult: "softfail"), "fo=s: SPF failed, aligned or not")
        #expect(wants(["0", "s"], spf: true, dkim: true, spfResult: "fail"))
    }
}
