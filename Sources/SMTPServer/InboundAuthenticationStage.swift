import DNSMessage
import Foundation
import LocalDelivery
import Logging
import MailAuth
import MailStore
import SMTPProtocol

/// DKIM, ARC and DMARC at the end of DATA/BDAT on the MX listener (the `[dmarc]` keys): one
/// Authentication-Results field, the DMARC disposition (RFC 9989 §5.3.6: refuse, Junk or
/// deliver) and the evaluation recorded for RFC 9990 aggregate reports.
public struct InboundAuthenticationPolicy: Sendable {
    public var authenticator: InboundAuthenticator
    /// `dmarc.record`: keep every evaluation with a published policy in the store.
    public var recordEvaluations: Bool
    /// ARC-seals the queued copy when an alias forwards the message outside (docs/arc.md).
    public var forwardSealer: (any ForwardSealer)?

    public init(authenticator: InboundAuthenticator, recordEvaluations: Bool = true, forwardSealer: (any ForwardSealer)? = nil) {
        self.authenticator = authenticator
        self.recordEvaluations = recordEvaluations
        self.forwardSealer = forwardSealer
    }
}

enum InboundAuthenticationStage {
    struct Context: Sendable {
        var remoteIP: String
        var helo: String
        var spf: SPFOutcome?
        var spfHELO: SPFOutcome?
    }

    /// Authenticates the message in `request` and prepends the Authentication-Results field;
    /// returns the reply that refuses it, or nil to deliver (into Junk when quarantined).
    static func apply(_ policy: InboundAuthenticationPolicy, to request: inout DeliveryRequest, context: Context,
                      store: any MailStore, logger: Logger) async -> SMTPError? {
        let ip = IPAddress(context.remoteIP) ?? .v4(IPv4Address(bytes: [0, 0, 0, 0]))
        let verdict = await policy.authenticator.authenticate(InboundAuthenticationRequest(
            message: request.message, clientIP: ip, mailFrom: request.mailFrom?.description ?? "", helo: context.helo,
            spfMailFrom: context.spf, spfHELO: context.spfHELO))
        let dmarc = verdict.dmarc
        logger.info("authentication", metadata: [
            "spf": "\(verdict.spf.result.rawValue)", "dkim": "\(verdict.dkim.map(\.result.rawValue).joined(separator: ","))",
            "arc": "\(verdict.arc.result.rawValue)", "dmarc": "\(dmarc.result.rawValue)", "from": "\(dmarc.deciding?.authorDomain ?? "-")",
            "disposition": "\(verdict.disposition.action.rawValue)",
        ])
        if policy.recordEvaluations {
            let recipients = request.recipients.map { $0.address.domain.name }
            for record in evaluationRecords(verdict, sourceIP: context.remoteIP, recipientDomains: recipients) {
                do { try await store.recordDMARCEvaluation(record) } catch {
                    logger.warning("could not record the DMARC evaluation", metadata: ["error": "\(error)"])
                }
            }
        }
        switch verdict.disposition.action {
        case .reject:
            let domain = dmarc.deciding?.policyDomain ?? dmarc.deciding?.authorDomain ?? "the sender's domain"
            return SMTPError(550, SMTPEnhancedStatusCode(5, 7, 1)!,
                             "Rejected by DMARC policy of \(domain) (p=\(dmarc.evaluatedPolicy.rawValue)): From \(dmarc.deciding?.authorDomain ?? "") is not aligned with an authenticated SPF or DKIM domain")
        case .defer:
            return SMTPError(451, SMTPEnhancedStatusCode(4, 4, 3)!, "DMARC policy lookup failed temporarily; try again later")
        case .quarantine:
            request.quarantine = true
        case .none:
            break
        }
        request.traceHeaders = verdict.authenticationResults + request.traceHeaders
        if let sealer = policy.forwardSealer {
            // RFC 8617 §5.1: the seal carries this verdict (AAR) and the incoming chain's status (cv=).
            request.sealRemoteCopy = { copy, aliases in
                await sealer.seal(copy, results: verdict.resultsPayload, chain: verdict.arc.result, aliases: aliases)
            }
        }
        return nil
    }

    /// One record per Author Domain that has a published policy (RFC 9990 reports go to its owner).
    static func evaluationRecords(_ verdict: InboundVerdict, sourceIP: String, recipientDomains: [String], now: Date = Date())
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
                reportURIs: record.aggregateReportURIs)
        }
    }
}
