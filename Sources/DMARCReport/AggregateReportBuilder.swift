// From stored evaluations to aggregate reports (RFC 9990 §3): one report per policy domain
// (the domain whose record applied, policy_published/domain) and period, one record per source
// IP and result set, counted. Pure: the caller chooses the period and reads the store.

import Foundation
import MailStore

/// Who reports (RFC 9990 §3.1.1 report_metadata).
public struct ReporterIdentity: Sendable, Equatable {
    /// org_name: the reporting organization, usually the operator's domain.
    public var orgName: String
    /// email: where domain owners write back; also the From of the report message.
    public var email: String
    public var extraContactInfo: String?

    public init(orgName: String, email: String, extraContactInfo: String? = nil) {
        self.orgName = orgName
        self.email = email
        self.extraContactInfo = extraContactInfo
    }
}

/// One report to send, with where its policy record asked for it to go.
public struct PendingAggregateReport: Sendable, Equatable {
    public var report: AggregateReport
    /// rua= of the most recent evaluation in the period, with any "!size" suffix kept.
    public var reportURIs: [String]
}

public enum AggregateReportBuilder {
    /// Reports for the evaluations of one period [begin, end); evaluations without a published
    /// policy or without rua= produce none (RFC 9989 §4.7: no rua, no aggregate report).
    public static func reports(from evaluations: [DMARCEvaluationRecord], begin: Date, end: Date, reporter: ReporterIdentity,
                               generator: String? = nil) -> [PendingAggregateReport] {
        var byDomain: [String: [DMARCEvaluationRecord]] = [:]
        var order: [String] = []
        for evaluation in evaluations {
            guard let policy = evaluation.policy, !evaluation.reportURIs.isEmpty else { continue }
            let domain = policy.domain.lowercased()
            if byDomain[domain] == nil { order.append(domain) }
            byDomain[domain, default: []].append(evaluation)
        }
        let beginSeconds = Int64(begin.timeIntervalSince1970)
        // date_range end is the last second covered (RFC 7489 reporters write 23:59:59).
        let endSeconds = Int64(end.timeIntervalSince1970) - 1
        return order.sorted().map { domain in
            let group = byDomain[domain]!
            let latest = group.max { $0.evaluatedAt < $1.evaluatedAt }!
            let metadata = AggregateReport.Metadata(
                orgName: reporter.orgName, email: reporter.email, extraContactInfo: reporter.extraContactInfo,
                reportID: reportID(domain: domain, begin: beginSeconds, end: endSeconds),
                begin: beginSeconds, end: endSeconds, generator: generator)
            let report = AggregateReport(metadata: metadata, policyPublished: policyPublished(latest.policy!), records: records(group))
            return PendingAggregateReport(report: report, reportURIs: latest.reportURIs)
        }
    }

    /// The same period and domain always give the same id (RFC 9990 §3.1.1: unique per
    /// reporter, which org_name names). No "@": parsers such as parsedmarc cut the id there.
    public static func reportID(domain: String, begin: Int64, end: Int64) -> String {
        "\(domain).\(begin).\(end)"
    }

    static func policyPublished(_ policy: DMARCEvaluationRecord.PublishedPolicy) -> AggregateReport.PolicyPublished {
        // RFC 9989 §4.7: sp defaults to p, np to sp; the schema wants sp present.
        AggregateReport.PolicyPublished(
            domain: policy.domain, adkim: policy.adkim, aspf: policy.aspf, p: policy.p, sp: policy.sp ?? policy.p,
            np: policy.np ?? policy.sp ?? policy.p, testing: policy.testing ? "y" : "n", fo: policy.fo, discoveryMethod: "treewalk")
    }

    /// One record per (source IP, disposition, aligned results, reasons, identifiers, auth results).
    static func records(_ evaluations: [DMARCEvaluationRecord]) -> [AggregateReport.Record] {
        var counts: [AggregateReport.Record: Int] = [:]
        var order: [AggregateReport.Record] = []
        for evaluation in evaluations {
            let key = record(evaluation)
            if counts[key] == nil { order.append(key) }
            counts[key, default: 0] += 1
        }
        return order.map { key in
            var record = key
            record.count = counts[key]!
            return record
        }
    }

    static func record(_ evaluation: DMARCEvaluationRecord) -> AggregateReport.Record {
        // envelope_from: the MAIL FROM domain, or the HELO domain SPF checked for the null path (schema comment).
        let envelopeFrom = evaluation.envelopeFrom ?? evaluation.spfDomain ?? ""
        let reasons = evaluation.policyOverride.map { [AggregateReport.Reason(type: $0, comment: evaluation.overrideComment)] } ?? []
        let dkim = evaluation.dkim.map { AggregateReport.DKIMAuth(domain: $0.domain, selector: $0.selector, result: $0.result) }
        let spf = [AggregateReport.SPFAuth(domain: evaluation.spfDomain ?? envelopeFrom, scope: "mfrom", result: spfResult(evaluation.spfResult))]
        return AggregateReport.Record(
            sourceIP: evaluation.sourceIP, count: 0, disposition: evaluation.disposition,
            dkim: evaluation.dkimAligned ? "pass" : "fail", spf: evaluation.spfAligned ? "pass" : "fail", reasons: reasons,
            envelopeFrom: envelopeFrom, headerFrom: evaluation.headerFrom, dkimResults: dkim, spfResults: spf)
    }

    /// SPFResultType has none, neutral, pass, fail, softfail, temperror, permerror (RFC 7208 §2.6).
    static func spfResult(_ stored: String) -> String {
        let lowered = stored.lowercased()
        return ["none", "neutral", "pass", "fail", "softfail", "temperror", "permerror"].contains(lowered) ? lowered : "none"
    }
}
