import DNSMessage
import Foundation
import HatoTesting
import LocalDelivery
import Logging
import MailAuth
import MailCore
import MailMessage
import MailStore
import MailStoreSQLite
import Reception
import RiskAssessment
import SMTPProtocol
import Testing

/// The risk stage in the standard pipeline over a real store: the header (forged ones removed),
/// keywords, every disposition, DMARC feeding dmarc-fail, and the correspondents record.
@Suite struct RiskStageTests {
    static let zone = """
        remote.test. 300 IN TXT "v=spf1 ip4:192.0.2.10 -all"
        _dmarc.remote.test. 300 IN TXT "v=DMARC1; p=none"
        """

    struct Setup {
        let directory: TemporaryDirectory
        let store: SQLiteMailStore
        let account: Account
        let pipeline: ReceptionPipeline
    }

    static func setUp(_ edit: (inout RiskStagePolicy) -> Void = { _ in }) async throws -> Setup {
        let directory = try TemporaryDirectory(prefix: "hato-risk")
        let store = try SQLiteMailStore(directory: directory.url)
        try await store.addDomain(try Domain("example.test"))
        let account = try await store.addAccount(try EmailAddress("user@example.test"),
                                                 credentials: try Account.deriveCredentials(password: "pw", iterations: 4096), quota: .unlimited)
        let suffixes = PublicSuffixList(contentsOf: PublicSuffixList.debianPath) ?? .defaultRuleOnly
        var policy = RiskStagePolicy(assessor: RiskAssessor(policy: RiskPolicy(), suffixes: suffixes))
        policy.partnerDomains = ["partner.co.jp"]
        edit(&policy)
        let resolver = try StaticResolver(zoneText: zone)
        let pipeline = ReceptionPipeline.standard(
            store: store, spf: SPFPolicy(resolver: resolver), signer: nil,
            authentication: InboundAuthenticationPolicy(authenticator: InboundAuthenticator(resolver: resolver, authservID: "mx.example.test")),
            extra: [RiskStage(policy: policy, store: store)])
        return Setup(directory: directory, store: store, account: account, pipeline: pipeline)
    }

    static func client(account: Account? = nil) -> ReceptionClient {
        var client = ReceptionClient(hostname: "mx.example.test", listener: account == nil ? .mx : .submission, remoteIP: "192.0.2.10",
                                     logger: Logger(label: "test"))
        client.helo = "mail.remote.test"
        client.account = account
        return client
    }

    /// One message through MAIL, RCPT and the message phase; the refusal, if any, and the message.
    static func receive(_ setup: Setup, _ text: String, from: String = "sender@remote.test", to: String = "user@example.test",
                        also: [String] = [], account: Account? = nil) async throws -> (ReceptionRefusal?, ReceptionMessage) {
        let client = client(account: account)
        var transaction = ReceptionTransaction(id: "t1", mailFrom: try EmailAddress(from), parameters: SMTPMailParameters())
        #expect(await setup.pipeline.mailFrom(&transaction, client: client) == nil)
        for address in [to] + also {
            var recipient = ReceptionRecipient(address: try EmailAddress(address), parameters: SMTPRcptParameters())
            #expect(await setup.pipeline.recipient(&recipient, transaction: transaction, client: client) == nil)
            transaction.recipients.append(AcceptedRecipient(address: recipient.address, resolution: try #require(recipient.resolution)))
        }
        var message = ReceptionMessage(content: ReceivedMessage(bytes: Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)))
        let refusal = await setup.pipeline.message(&message, transaction: transaction, client: client)
        return (refusal, message)
    }

    static func mail(from: String, subject: String = "Hello", headers: String = "", body: String = "Hi.") -> String {
        "From: \(from)\nTo: user@example.test\nSubject: \(subject)\n\(headers)MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n\(body)\n"
    }

    static let phishing = mail(from: "Partner <billing@partner-co.jp>", subject: "=?UTF-8?B?6KuL5rGC5pu4?=",
                               headers: "Hato-Risk: verdict=clean; score=0\nReply-To: pay@elsewhere.example\n",
                               body: "至急、振込先の変更をお願いします。 http://198.51.100.7/pay")

    @Test func writesItsOwnHeaderAndKeywords() async throws {
        let setup = try await Self.setUp { $0.dispositions[.phishing] = .deliver }
        let (refusal, message) = try await Self.receive(setup, Self.mail(from: "Partner <billing@partner.test.example>",
                                                                          headers: "Hato-Risk: verdict=clean; score=0\n"))
        #expect(refusal == nil)
        let fields = message.content.header.fields(named: "Hato-Risk")
        #expect(fields.count == 1, "the incoming field is gone, ours is there")
        #expect(fields.first?.value.hasPrefix("verdict=") == true && fields.first?.value != "verdict=clean; score=0")

        let (_, phish) = try await Self.receive(setup, Self.phishing)
        let value = try #require(phish.content.header.field("Hato-Risk")?.value)
        #expect(value.hasPrefix("verdict=phishing; score="), "\(value)")
        #expect(value.contains("lookalike-domain") && value.contains("ip-literal-link") && value.contains("first-contact"), "\(value)")
        #expect(phish.keywords.contains("$Phishing"))
        #expect(phish.hold == nil && !phish.junk)
    }

    @Test func quarantineIsTheDefaultForPhishing() async throws {
        let setup = try await Self.setUp()
        let (refusal, message) = try await Self.receive(setup, Self.phishing)
        #expect(refusal == nil)
        let hold = try #require(message.hold)
        #expect(hold.verdict.hasPrefix("verdict=phishing"))
        #expect(hold.reason.contains("lookalike-domain: From: partner-co.jp"), "\(hold.reason)")
    }

    @Test func rejectAtTheEndOfData() async throws {
        let setup = try await Self.setUp { $0.dispositions[.phishing] = .reject }
        let (refusal, _) = try await Self.receive(setup, Self.phishing)
        let reply = try #require(refusal)
        #expect(reply.code == 550 && reply.enhancedCode == SMTPEnhancedStatusCode(5, 7, 1)!)
        #expect(reply.text.contains("phishing") && reply.text.contains("lookalike-domain"), "\(reply.text)")
    }

    @Test func junkAndSubjectTags() async throws {
        let junk = try await Self.setUp { $0.dispositions[.phishing] = .junk }
        #expect(try await Self.receive(junk, Self.phishing).1.junk)

        let tagged = try await Self.setUp {
            $0.dispositions[.phishing] = .tag
            $0.tags[.phishing] = "[要注意]"
            $0.externalTag = "[外部]"
        }
        let (_, message) = try await Self.receive(tagged, Self.phishing)
        #expect(message.content.header.subject == "[要注意] [外部] 請求書")
        let raw = String(decoding: try #require(message.content.header.field("Subject")).raw, as: UTF8.self)
        #expect(raw.hasPrefix("Subject: =?UTF-8?B?") && raw.allSatisfy(\.isASCII), "encoded-words: \(raw)")
        #expect(message.content.header.fields(named: "Subject").count == 1)
        let parsedAgain = MIMEMessage(parsing: message.content.bytes)
        #expect(parsedAgain.header.subject == "[要注意] [外部] 請求書", "the stored bytes carry the tagged subject")

        let (_, clean) = try await Self.receive(tagged, Self.mail(from: "Colleague <c@example.test>", subject: "Lunch"))
        #expect(clean.content.header.subject == "Lunch", "mail from inside gets no external tag")
    }

    /// A domain that passed DMARC at least three times in 30 days and more often than not, and
    /// now publishes no record (or cannot be asked), is as suspect as a failure; the count comes
    /// from the store's DMARC evaluations.
    @Test func aDomainThatUsuallyPassesAndNowHasNoRecord() async throws {
        let setup = try await Self.setUp()
        func evaluation(_ result: String, hoursAgo: Double) -> DMARCEvaluationRecord {
            DMARCEvaluationRecord(evaluatedAt: Date().addingTimeInterval(-hoursAgo * 3600), sourceIP: "192.0.2.10", headerFrom: "quiet.test",
                                  envelopeFrom: "quiet.test", envelopeTo: ["example.test"], result: result, disposition: "none",
                                  policyOverride: nil, overrideComment: nil, policy: nil, evaluatedPolicy: "none", dkimAligned: result == "pass",
                                  spfAligned: false, dkim: [], spfDomain: "quiet.test", spfResult: "none", reportURIs: [])
        }
        for hours in [1.0, 2, 800] { try await setup.store.recordDMARCEvaluation(evaluation("pass", hoursAgo: hours)) }
        let twice = try await Self.receive(setup, Self.mail(from: "News <news@quiet.test>"), from: "x@elsewhere.example")
        #expect(twice.1.authentication?.dmarc.result == DMARCResult.none)
        #expect(twice.1.content.header.field("Hato-Risk")?.value.contains("dmarc-fail") == false, "two passes in 30 days are not enough")
        try await setup.store.recordDMARCEvaluation(evaluation("pass", hoursAgo: 3))
        try await setup.store.recordDMARCEvaluation(evaluation("fail", hoursAgo: 4))
        let usual = try await Self.receive(setup, Self.mail(from: "News <news@quiet.test>"), from: "x@elsewhere.example")
        #expect(usual.1.content.header.field("Hato-Risk")?.value.contains("dmarc-fail") == true, "three passes of four")
    }

    @Test func dmarcFailFromTheAuthenticationStage() async throws {
        let setup = try await Self.setUp()
        let (_, message) = try await Self.receive(setup, Self.mail(from: "News <news@remote.test>"), from: "x@elsewhere.example")
        #expect(message.authentication?.dmarc.result == .fail)
        #expect(message.content.header.field("Hato-Risk")?.value.contains("dmarc-fail") == true)
    }

    @Test func submissionsBuildTheCorrespondentsRecord() async throws {
        let setup = try await Self.setUp()
        let first = try await Self.receive(setup, Self.mail(from: "Tanaka <tanaka@newco.example>", subject: "ご挨拶"), from: "tanaka@newco.example")
        #expect(first.1.content.header.field("Hato-Risk")?.value.contains("first-contact") == true)

        let submitted = "From: 利用者 <user@example.test>\nTo: 田中 様 <tanaka@newco.example>\nSubject: Re: ご挨拶\n\nよろしくお願いします。\n"
        let (refusal, message) = try await Self.receive(setup, submitted, from: "user@example.test", to: "tanaka@newco.example", account: setup.account)
        #expect(refusal == nil && message.content.header.field("Hato-Risk") == nil, "submitted mail is not assessed by default")
        let known = try await setup.store.correspondents(of: setup.account.id, limit: 10)
        #expect(known.map(\.address.canonical) == ["tanaka@newco.example"] && known[0].sent == 1 && known[0].displayName == "田中 様")
        #expect(try await setup.store.ownNames(limit: 10).map(\.displayName) == ["利用者"])

        let reply = try await Self.receive(setup, Self.mail(from: "Tanaka <tanaka@newco.example>", subject: "Re: ご挨拶"), from: "tanaka@newco.example")
        #expect(reply.1.content.header.field("Hato-Risk")?.value.contains("first-contact") == false)
        #expect(try await setup.store.correspondents(of: setup.account.id, limit: 10).first?.received == 1, "the reply is counted")

        let impersonation = try await Self.receive(setup, Self.mail(from: "利用者 <user.example.test@freemail.example>"), from: "a@freemail.example")
        #expect(impersonation.1.content.header.field("Hato-Risk")?.value.contains("display-name-impersonation") == true)
    }

    /// Mail to two local users, one of whom writes to the sender: not a first contact, and the
    /// reply is counted for that user only. Counted again at once (the stage keeps the lists it
    /// read between messages and brings them up to date as it records).
    @Test func aReplyToSeveralRecipientsCountsForThoseWhoKnowTheSender() async throws {
        let setup = try await Self.setUp()
        let other = try await setup.store.addAccount(try EmailAddress("other@example.test"),
                                                     credentials: try Account.deriveCredentials(password: "pw", iterations: 4096), quota: .unlimited)
        let cold = try await Self.receive(setup, Self.mail(from: "Tanaka <tanaka@newco.example>"), from: "tanaka@newco.example",
                                          also: ["other@example.test"])
        #expect(cold.1.content.header.field("Hato-Risk")?.value.contains("first-contact") == true)
        let submitted = "From: 利用者 <user@example.test>\nTo: tanaka@newco.example\nSubject: Hello\n\nHello.\n"
        _ = try await Self.receive(setup, submitted, from: "user@example.test", to: "tanaka@newco.example", account: setup.account)
        for expected in 1...2 {
            let reply = try await Self.receive(setup, Self.mail(from: "Tanaka <tanaka@newco.example>", subject: "Re: Hello"),
                                               from: "tanaka@newco.example", also: ["other@example.test"])
            #expect(reply.1.content.header.field("Hato-Risk")?.value.contains("first-contact") == false)
            let known = try await setup.store.correspondents(of: setup.account.id, limit: 10)
            #expect(known.map(\.received) == [expected] && known.map(\.sent) == [1])
        }
        #expect(try await setup.store.correspondents(of: other.id, limit: 10).isEmpty)
    }

    /// `risk.submission = "on"`: what an account sends is assessed too (a compromised account
    /// sending phishing), with the header and the disposition, but its subject is never tagged.
    @Test func submissionIsAssessedWhenAskedTo() async throws {
        let setup = try await Self.setUp {
            $0.assessSubmission = true
            $0.dispositions[.suspicious] = .tag
            $0.tags[.suspicious] = "[SUSPICIOUS]"
        }
        let outbound = "From: 利用者 <user@example.test>\nTo: someone@elsewhere.example\nSubject: Invoice\n\n" +
            "Please log in at http://198.51.100.7/login and confirm the payment.\n"
        let (refusal, message) = try await Self.receive(setup, outbound, from: "user@example.test", to: "someone@elsewhere.example",
                                                        account: setup.account)
        #expect(refusal == nil)
        let value = try #require(message.content.header.field("Hato-Risk")?.value, "submitted mail assessed")
        #expect(value.contains("ip-literal-link"), "\(value)")
        #expect(message.content.header.field("Subject")?.value == "Invoice", "submitted subjects are not tagged (already DKIM-signed)")
    }

    @Test func offStillRemovesForgedHeaders() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-risk-off")
        let store = try SQLiteMailStore(directory: directory.url)
        try await store.addDomain(try Domain("example.test"))
        _ = try await store.addAccount(try EmailAddress("user@example.test"), credentials: try Account.deriveCredentials(password: "pw", iterations: 4096),
                                       quota: .unlimited)
        let pipeline = ReceptionPipeline.standard(store: store, spf: nil, signer: nil, authentication: nil, extra: [RiskStage(policy: nil, store: store)])
        let setup = Setup(directory: directory, store: store, account: try #require(try await store.account(try EmailAddress("user@example.test"))),
                          pipeline: pipeline)
        let (_, message) = try await Self.receive(setup, Self.phishing)
        #expect(message.content.header.field("Hato-Risk") == nil)
        #expect(message.keywords.isEmpty && message.hold == nil)
    }

    @Test func theAssessmentReadsTheOneParse() async throws {
        let setup = try await Self.setUp { $0.dispositions[.phishing] = .tag }
        let counter = MessageParseCounter()
        let (_, message) = try await MessageParseCounter.$current.withValue(counter) {
            try await Self.receive(setup, Self.phishing)
        }
        #expect(message.content.header.field("Hato-Risk") != nil)
        #expect(counter.parses == 1, "SPF, DKIM, ARC, DMARC and the risk assessment (enclosed messages, attachments, HTML) share one parse")
    }
}
