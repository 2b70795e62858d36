// The risk assessment as a reception stage (issue 18): on the MX listener (and, when
// configured, for authenticated submission) it gathers the context from the store, assesses
// the one parse of the message, writes `Hato-Risk`, sets `$Phishing`/`$Junk`, and applies the
// verdict's disposition. It also keeps the correspondents record the assessment reads.

import Foundation
import LocalDelivery
import MailCore
import MailMessage
import MailStore
import RiskAssessment
import SMTPProtocol

/// Holds a message in the quarantine instead of delivering it (set by the risk stage; the SMTP
/// session stores it and answers 250).
public struct ReceptionHold: Sendable, Equatable {
    public var verdict: String
    public var reason: String

    public init(verdict: String, reason: String) {
        self.verdict = verdict
        self.reason = reason
    }
}

public struct RiskStage: ReceptionStage {
    public static let headerName = "Hato-Risk"
    public let policy: RiskStagePolicy?
    public let store: any MailStore
    public let counters: ReceptionCounters
    /// Local users' names and recipients' correspondents between messages (`RiskStagePolicy.memoryLifetime`).
    let memory: RiskMemory
    public var name: String { "risk" }
    public var phases: ReceptionPhases { .message }

    /// `policy` nil: the assessment is off, but forged `Hato-Risk` fields are still removed.
    public init(policy: RiskStagePolicy?, store: any MailStore, counters: ReceptionCounters = .none) {
        self.policy = policy
        self.store = store
        self.counters = counters
        self.memory = RiskMemory(lifetime: policy?.memoryLifetime ?? .zero)
    }

    public func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction,
                        client: ReceptionClient) async -> ReceptionVerdict {
        // Like forged Authentication-Results (RFC 8601 §5): only our own header says what we found.
        let removed = message.content.removeReceivedFields { $0.hasName(Self.headerName) }
        if removed > 0 { client.logger.notice("removed incoming Hato-Risk", metadata: ["fields": "\(removed)", "id": "\(transaction.id)"]) }
        guard let policy else { return .accept }
        let submitted = client.account != nil || client.listener == .submission
        if submitted, policy.recordCorrespondents, let account = client.account {
            await recordSubmission(message.content.parsed.header, account: account, transaction: transaction, client: client)
        }
        guard !submitted || policy.assessSubmission else { return .accept }
        let accounts = Self.localAccounts(transaction)
        let context = await context(message, transaction: transaction, client: client, accounts: accounts, inbound: !submitted)
        let report = policy.assessor.assess(message.content.parsed, context: context)
        counters.increment(ReceptionCounters.riskVerdicts, [("listener", client.listener.rawValue), ("verdict", report.verdict.rawValue)])
        client.logger.info("risk", metadata: [
            "verdict": "\(report.verdict.rawValue)", "score": "\(RiskReport.format(report.score))",
            "signals": "\(report.signalNames.joined(separator: ","))", "id": "\(transaction.id)",
        ])
        if !submitted, policy.recordCorrespondents, report.verdict == .clean || report.verdict == .suspicious {
            await recordReply(message.content.parsed.header, accounts: accounts, known: context.correspondents, client: client)
        }
        return apply(report, policy: policy, to: &message, client: client, submitted: submitted)
    }

    /// The verdict's header, keywords and disposition.
    /// Submitted mail is already DKIM-signed here, so its subject is never tagged.
    func apply(_ report: RiskReport, policy: RiskStagePolicy, to message: inout ReceptionMessage, client: ReceptionClient,
               submitted: Bool = false) -> ReceptionVerdict {
        var tags: [ReceptionTag] = [.header("\(Self.headerName): \(report.headerValue)\r\n")]
        if report.verdict == .phishing { tags.append(.keyword("$Phishing")) }
        if report.verdict == .spam { tags.append(.keyword("$Junk")) }
        var prefixes: [String] = []
        switch policy.disposition(report.verdict) {
        case .deliver: break
        case .tag: if !submitted, let tag = policy.tags[report.verdict], !tag.isEmpty { prefixes.append(tag) }
        case .junk: tags.append(.junk)
        case .quarantine:
            let reason = report.signals.map { "\($0.name): \($0.detail)" }.joined(separator: " | ")
            message.hold = ReceptionHold(verdict: report.headerValue, reason: String(reason.prefix(4000)))
        case .reject:
            let names = report.signalNames.prefix(6).joined(separator: ", ")
            return .reject(ReceptionRefusal(550, SMTPEnhancedStatusCode(5, 7, 1)!,
                                            "Message refused: it looks like \(report.verdict.rawValue) (\(names))",
                                            cause: "risk \(report.headerValue)"))
        }
        if let external = policy.externalTag, !external.isEmpty, report.signalNames.contains(RiskSignalName.externalSender) {
            prefixes.append(external)
        }
        if !prefixes.isEmpty { Self.tagSubject(&message, with: prefixes) }
        return .tag(tags)
    }

    /// Puts the tags in front of the subject ("[SUSPICIOUS] [外部] 請求書"), RFC 2047-encoded,
    /// leaving out a tag the subject already carries (a reply to a tagged message).
    static func tagSubject(_ message: inout ReceptionMessage, with prefixes: [String]) {
        let original = message.content.parsed.header.subject ?? ""
        let missing = prefixes.filter { !original.contains($0) }
        guard !missing.isEmpty else { return }
        let subject = (missing + [original]).filter { !$0.isEmpty }.joined(separator: " ")
        message.content.removeReceivedFields { $0.hasName("Subject") }
        message.content.prepend(HeaderSection.unstructuredField(name: "Subject", value: subject))
    }

    /// The local accounts the recipients resolved to, each once.
    public static func localAccounts(_ transaction: ReceptionTransaction) -> [Account] {
        var accounts: [Account] = []
        for recipient in transaction.recipients {
            switch recipient.resolution {
            case .local(let local), .mixed(let local, _):
                for account in local where !accounts.contains(where: { $0.id == account.id }) { accounts.append(account) }
            case .notLocal, .unknownUser: break
            }
        }
        return accounts
    }
}
