// RFC 9991 failure reports start here: the authentication stage finds the evaluations whose
// DMARC record asks for them (ruf= with fo= met; RFC 9991 §2: never for a psd=y record) and hands
// each to the reporter `hato serve` composes, which limits, checks consent, builds and queues.

import DMARCReport
import Foundation
import MailAuth
import MailMessage

/// Sends failure reports; `report` must return at once (the reporter works in its own task).
public protocol DMARCFailureReporting: Sendable {
    func report(_ failure: DMARCFailure, destinations: [String])
}

extension AuthenticationStage {
    /// The failure reports this verdict calls for, with their ruf= URIs.
    static func failureReports(_ verdict: InboundVerdict, header: ArraySlice<UInt8>, sourceIP: String, mailFrom: String?)
        -> [(DMARCFailure, [String])]
    {
        verdict.dmarc.evaluations.compactMap { evaluation in
            guard let record = evaluation.record, !record.failureReportURIs.isEmpty, record.psd != .yes,
                  FailureReportOptions.requested(fo: record.failureOptions, spfAligned: evaluation.spfAligned, dkimAligned: evaluation.dkimAligned,
                                                 spfResult: verdict.spf.result.rawValue, dkimResults: verdict.dkim.map(\.result.rawValue))
            else { return nil }
            var unaligned: [String] = []
            if !evaluation.dkimAligned { unaligned.append("dkim") }
            if !evaluation.spfAligned { unaligned.append("spf") }
            // A failed signature whose d= shares the author domain's tail is one of an aligned identifier (relaxed).
            let author = evaluation.authorDomain.lowercased()
            let failed = verdict.dkim.compactMap { signature -> (domain: String, selector: String)? in
                guard signature.result.rawValue == "fail" || signature.result.rawValue == "permerror",
                      let domain = signature.domain?.lowercased(),
                      domain == author || author.hasSuffix("." + domain) || domain.hasSuffix("." + author) else { return nil }
                return (domain, signature.selector ?? "")
            }
            let delivery = switch verdict.disposition.action {
            case .reject: "reject"
            case .quarantine: "spam"
            case .none, .defer: "delivered"
            }
            let results = verdict.authenticationResults.drop { $0 != ":" }.dropFirst()
            let failure = DMARCFailure(
                reportedDomain: evaluation.authorDomain, policyDomain: evaluation.policyDomain ?? evaluation.authorDomain, sourceIP: sourceIP,
                arrival: Date(), mailFrom: mailFrom, authenticationResults: String(results).trimmingCharacters(in: .whitespacesAndNewlines),
                unalignedMechanisms: unaligned, failedAlignedSignatures: failed, deliveryResult: delivery, header: Array(header))
            return (failure, record.failureReportURIs)
        }
    }
}
