import DMARCReport
import DNSMessage
import Foundation
import HatoServer
import HatoTesting
import Logging
import MailAuth
import MailCore
import MailStore
import MailStoreSQLite
import Testing

/// The report run: due periods aligned to UTC midnight; one report per policy domain, queued
/// DKIM-signed to consenting destinations only and within "!size"; a second run, and a run after a
/// restart, queue nothing more (the ledger row and the queue entry are one transaction).
@Suite struct DMARCReportSenderTests {
    static let now = ISO8601DateFormatter().date(from: "2026-12-05T10:00:00Z")!
    static let yesterday = ISO8601DateFormatter().date(from: "2026-12-04T00:00:00Z")!

    let directory = try! TemporaryDirectory(prefix: "hato-dmarc-reports")

    func config(_ extra: String = "") throws -> HatoConfig {
        let path = directory.url.appendingPathComponent("hato.toml").path
        try """
            hostname = "mx.hato.example"
            data_dir = "data"
            [dmarc]
            send_reports = "on"
            report_from = "dmarc-reports@hato.example"
            \(extra)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return try ConfigLoader.load(file: path, environment: [:]).settings
    }

    static func evaluation(_ domain: String, ip: String, rua: [String], minutes: Double = 60) -> DMARCEvaluationRecord {
        DMARCEvaluationRecord(
            evaluatedAt: yesterday.addingTimeInterval(minutes * 60), sourceIP: ip, headerFrom: domain, envelopeFrom: domain,
            envelopeTo: ["hato.example"], result: "pass", disposition: "none", policy: .init(domain: domain, p: "none"),
            evaluatedPolicy: "none", dkimAligned: true, spfAligned: true, dkim: [.init(domain: domain, selector: "s1", result: "pass")],
            spfDomain: domain, spfResult: "pass", reportURIs: rua)
    }

    func sender(_ store: SQLiteMailStore, settings: HatoConfig) throws -> DMARCReportSender {
        let resolver = try StaticResolver(zoneText: """
            consenting.example._report._dmarc.reports.example.  TXT "v=DMARC1"

            """)
        return DMARCReportSender(store: store, resolver: resolver, settings: settings.dmarcReports, signer: DKIMSubmissionSigner(store: store),
                                 logger: Logger(label: "test"))
    }

    @Test func periodsAlignToUTCMidnight() async throws {
        let store = try SQLiteMailStore(directory: directory.url.appendingPathComponent("data"))
        let sender = try sender(store, settings: try config())
        let periods = try await sender.duePeriods(now: Self.now)
        #expect(periods.map(\.begin) == [Self.yesterday])
        #expect(periods.map(\.end) == [Self.yesterday.addingTimeInterval(86_400)])
        let hourly = try self.sender(store, settings: try config("report_period = 21600"))
        #expect(try await hourly.duePeriods(now: Self.now).map(\.begin) == [ISO8601DateFormatter().date(from: "2026-12-05T00:00:00Z")!])
        #expect(throws: ConfigErrors.self) { try config("report_period = 7000") }
        #expect(throws: ConfigErrors.self) {
            try ConfigLoader.load(file: nil, environment: ["HATO_DMARC_SEND_REPORTS": "on"]).settings
        }
    }

    @Test func sendsOncePerPeriodAndDomainAcrossRestarts() async throws {
        let data = directory.url.appendingPathComponent("data")
        let store = try SQLiteMailStore(directory: data)
        _ = try await DKIMKeyManager(store: store).generate(domain: try Domain("hato.example"), selector: "r1", algorithms: [.ed25519])
        for record in [Self.evaluation("own.example", ip: "192.0.2.1", rua: ["mailto:dmarc@own.example"]),
                       Self.evaluation("own.example", ip: "192.0.2.1", rua: ["mailto:dmarc@own.example"], minutes: 90),
                       Self.evaluation("consenting.example", ip: "192.0.2.2", rua: ["mailto:agg@reports.example!10m"]),
                       Self.evaluation("unasked.example", ip: "192.0.2.3", rua: ["mailto:agg@reports.example"]),
                       Self.evaluation("small.example", ip: "192.0.2.4", rua: ["mailto:dmarc@small.example!1k"]),
                       Self.evaluation("today.example", ip: "192.0.2.5", rua: ["mailto:dmarc@today.example"], minutes: 1500)] {
            try await store.recordDMARCEvaluation(record)
        }
        let settings = try config()
        let dryRun = try await sender(store, settings: settings).run(now: Self.now, send: false)
        #expect(dryRun.map { "\($0.report.policyPublished.domain) \($0.outcome.rawValue)" } ==
                ["consenting.example queued", "own.example queued", "small.example too-large", "unasked.example refused"])
        #expect(dryRun.first { $0.report.policyPublished.domain == "own.example" }?.report.messageCount == 2)
        #expect(try await store.queuedMessages().isEmpty, "a dry run queues nothing")

        let plans = try await sender(store, settings: settings).run(now: Self.now, send: true)
        #expect(plans.allSatisfy { !$0.alreadyDealtWith })
        let queued = try await store.queuedMessages()
        #expect(queued.map { $0.recipients.map(\.address.description) }.sorted { $0[0] < $1[0] } == [["agg@reports.example"], ["dmarc@own.example"]])
        #expect(queued.allSatisfy { $0.mailFrom?.description == "dmarc-reports@hato.example" })
        let body = try await store.readBody(queued[0].body)
        #expect(String(decoding: body.prefix(15), as: UTF8.self) == "DKIM-Signature:", "signed with hato.example's key")
        let ledger = try await store.dmarcReportsSent(since: Self.yesterday)
        #expect(ledger.map { "\($0.policyDomain) \($0.outcome.rawValue)" } ==
                ["consenting.example queued", "own.example queued", "small.example too-large", "unasked.example refused"])

        let again = try await sender(store, settings: settings).run(now: Self.now.addingTimeInterval(3600), send: true)
        #expect(again.allSatisfy { $0.alreadyDealtWith })
        let restarted = try SQLiteMailStore(directory: data)
        _ = try await sender(restarted, settings: settings).run(now: Self.now.addingTimeInterval(7200), send: true)
        #expect(try await restarted.queuedMessages().count == 2)
        // The next day reports today's evaluation, and only that.
        let tomorrow = try await sender(restarted, settings: settings).run(now: Self.now.addingTimeInterval(86_400), send: true)
        #expect(tomorrow.filter { !$0.alreadyDealtWith }.map(\.report.policyPublished.domain) == ["today.example"])
        #expect(try await restarted.queuedMessages().count == 3)
    }
}
