import DNSMessage
import Foundation
import MailAuth
import MailMessage
import MailStore
import SMTPProtocol

/// How the MX listener authenticates mail from outside (the `[dmarc]` keys).
public struct InboundAuthenticationPolicy: Sendable {
    public var authenticator: InboundAuthenticator
    /// `dmarc.record`: keep every evaluation with a published policy in the store.
    public var recordEvaluations: Bool
    /// ARC-seals the queued copy when an alias forwards the message outside (docs/arc.md).
    public var forwardSealer: (any ForwardSealer)?
    /// `dmarc.failure_reports`: RFC 9991 failure reports where ruf=/fo= ask (docs/dmarc-reports.md).
    public var failureReporter: (any DMARCFailureReporting)?

    public init(authenticator: InboundAuthenticator, recordEvaluations: Bool = true, forwardSealer: (any ForwardSealer)? = nil,
                failureReporter: (any DMARCFailureReporting)? = nil) {
        self.authenticator = authenticator
        self.recordEvaluations = recordEvaluations
        self.forwardSealer = forwardSealer
        self.failureReporter = failureReporter
    }
}

/// DKIM, ARC and DMARC for mail from the outside world (unauthenticated, MX listener): one
/// Authentication-Results field on top, the DMARC disposition (RFC 9989 §5.3.6: refuse,
/// Junk or deliver) and the evaluation recorded for RFC 9990 aggregate reports.
public struct AuthenticationStage: ReceptionStage {
    public let policy: InboundAuthenticationPolicy
    public let store: any MailStore
    public var name: String { "dmarc" }
    public var phases: ReceptionPhases { [.header, .message] }

    public init(policy: InboundAuthenticationPolicy, store: any MailStore) {
        self.policy = policy
        self.store = store
    }

    /// DMARC policy and DKIM key lookups start while the body streams (`InboundAuthenticator.prefetch`).
    public func headerReceived(_ header: HeaderSection, transaction: ReceptionTransaction, client: ReceptionClient) {
        guard client.isInbound else { return }
        policy.authenticator.prefetch(header: header)
    }

    public func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction,
                        client: ReceptionClient) async -> ReceptionVerdict {
        guard client.isInbound else { return .accept }
        let ip = client.ipAddress ?? .v4(IPv4Address(bytes: [0, 0, 0, 0]))
        let helo = client.helo ?? "unknown"
        // Verified as the client sent it: DKIM signed those bytes, not our edits.
        let verdict = await policy.authenticator.authenticate(InboundAuthenticationRequest(
            message: DKIMMessage(message.content.parsed), clientIP: ip, mailFrom: transaction.mailFrom?.description ?? "",
            helo: helo, spfMailFrom: transaction.spf, spfHELO: transaction.spfHELO))
        let dmarc = verdict.dmarc
        message.authenticationResults = ReceptionAuthenticationResults(
            spf: verdict.spf.result.rawValue, dkim: verdict.dkim.map(\.result.rawValue), dmarc: dmarc.result.rawValue)
        message.authentication = verdict
        client.logger.info("authentication", metadata: [
            "spf": "\(verdict.spf.result.rawValue)", "dkim": "\(verdict.dkim.map(\.result.rawValue).joined(separator: ","))",
            "arc": "\(verdict.arc.result.rawValue)", "dmarc": "\(dmarc.result.rawValue)", "from": "\(dmarc.deciding?.authorDomain ?? "-")",
            "disposition": "\(verdict.disposition.action.rawValue)", "id": "\(transaction.id)",
            // DNSSEC status of each record the results rest on (docs/dns.md, DNSSEC).
            "dnssec": "spf=\(verdict.spf.dnssec?.rawValue ?? "-") dkim=\(verdict.dkim.map { $0.keyDNSSEC?.rawValue ?? "-" }.joined(separator: ",")) dmarc=\(dmarc.deciding?.policyDNSSEC?.rawValue ?? "-")",
        ])
        if policy.recordEvaluations {
            let recipients = transaction.recipients.map { $0.address.domain.name }
            for record in Self.evaluationRecords(verdict, sourceIP: client.remoteIP, recipientDomains: recipients) {
                do { try await store.recordDMARCEvaluationDeferred(record) } catch {
                    client.logger.warning("could not record the DMARC evaluation", metadata: ["error": "\(error)"])
                }
            }
        }
        if let reporter = policy.failureReporter {
            let header = message.content.original[..<message.content.bodyStart]
            for (failure, destinations) in Self.failureReports(verdict, header: header, sourceIP: client.remoteIP,
                                                               mailFrom: transaction.mailFrom?.description) {
                reporter.report(failure, destinations: destinations)
            }
        }
        var tags: [ReceptionTag] = [.header(verdict.authenticationResults)]
        switch verdict.disposition.action {
        case .reject:
            let domain = dmarc.deciding?.policyDomain ?? dmarc.deciding?.authorDomain ?? "the sender's domain"
            return .reject(ReceptionRefusal(550, SMTPEnhancedStatusCode(5, 7, 1)!,
                                            "Rejected by DMARC policy of \(domain) (p=\(dmarc.evaluatedPolicy.rawValue)): From \(dmarc.deciding?.authorDomain ?? "") is not aligned with an authenticated SPF or DKIM domain"))
        case .defer:
            return .defer(ReceptionRefusal(451, SMTPEnhancedStatusCode(4, 4, 3)!, "DMARC policy lookup failed temporarily; try again later"))
        case .quarantine:
            tags.append(.junk)
        case .none:
            break
        }
        if let sealer = policy.forwardSealer {
            // RFC 8617 §5.1: the seal carries this verdict (AAR) and the incoming chain's status (cv=).
            message.sealRemoteCopy = { copy, aliases in
                await sealer.seal(copy, results: verdict.resultsPayload, chain: verdict.arc.result, aliases: aliases)
            }
        }
        return .tag(tags)
    }

    /// One record per Author Domain that has a published policy (RFC 9990 reports go to its owner).
    public static func evaluationRecords(_ verdict: InboundVerdict, sourceIP: String, recipientDomains: [String], now: Date = Date())
        -> [DMARCEvaluationRecord]
    {
        var recipients: [String] = []
        for domain in recipientDomains where !recipients.contains(domain) { recipients.append(domain) }
        return verdict.dmarc.evaluations.compactMap { evaluation -> DMARCEvaluationRecord? in
            guard let record = evaluation.record, let policyDomain = evaluation.policyDomain else { return nil }
            let published = DMARCEvaluationRecord.PublishedPolicy(
                domain: policyDomain, p: record.policy?.rawValue ?? "none", sp: record.subdomainPolicy?.rawValue,
                np: record.nonexistentPolicy?.rawValue, adkim: record.dkimAlignment.rawValue, aspf: record.spfAlignment.rawValue,
                testing: record.testing, psd: record.psd.rawValue, fo: record.failureOptions.joined(separator: ":"))
            return DMARCEvaluationRecord(
                evaluatedAt: now, sourceIP: sourceIP, headerFrom: evaluation.authorDomain, envelopeFrom: verdict.mailFromDomain,
                envelopeTo: recipients, result: evaluation.result.rawValue,
                disposition: verdict.disposition.action == .defer ? "none" : verdict.disposition.action.rawValue,
                policyOverride: verdict.disposition.override?.rawValue, overrideComment: verdict.disposition.comment,
                policy: published, evaluatedPolicy: evaluation.evaluatedPolicy.rawValue, dkimAligned: evaluation.dkimAligned,
                spfAligned: evaluation.spfAligned,
                dkim: verdict.dkim.compactMap { signature in
                    signature.domain.map { .init(domain: $0, selector: signature.selector ?? "", result: signature.result.rawValue) }
                },
                spfDomain: verdict.mailFromDomain ?? verdict.spf.domain, spfResult: verdict.spf.result.rawValue,
                // The "!size" suffix stays on, for the report sender (docs/dmarc-reports.md).
                reportURIs: record.aggregateReportURIs.map { uri in record.aggregateReportSizeLimits[uri].map { "\(uri)!\($0)" } ?? uri })
        }
    }
}
