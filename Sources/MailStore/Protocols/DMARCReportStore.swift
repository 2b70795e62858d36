import Foundation

/// One DMARC evaluation of a received message, with what an RFC 9990 aggregate report needs:
/// the row (source IP, disposition, DKIM/SPF alignment), the identifiers (header_from,
/// envelope_from, envelope_to), the auth_results and the policy_published.
public struct DMARCEvaluationRecord: Sendable, Equatable, Codable {
    /// RFC 9990 auth_results/dkim: one per signature checked.
    public struct DKIMResult: Sendable, Equatable, Codable {
        public var domain: String
        public var selector: String
        /// pass, fail, neutral, policy, temperror, permerror, none.
        public var result: String
        public init(domain: String, selector: String, result: String) {
            self.domain = domain
            self.selector = selector
            self.result = result
        }
    }

    /// RFC 9990 policy_published (the record that applied, as published).
    public struct PublishedPolicy: Sendable, Equatable, Codable {
        public var domain: String
        public var p: String
        public var sp: String?
        public var np: String?
        public var adkim: String
        public var aspf: String
        public var testing: Bool
        public var psd: String
        public var fo: String
        public init(domain: String, p: String, sp: String? = nil, np: String? = nil, adkim: String = "r", aspf: String = "r",
                    testing: Bool = false, psd: String = "u", fo: String = "0") {
            self.domain = domain
            self.p = p
            self.sp = sp
            self.np = np
            self.adkim = adkim
            self.aspf = aspf
            self.testing = testing
            self.psd = psd
            self.fo = fo
        }
    }

    /// Assigned by the store.
    public var id: Int64?
    public var evaluatedAt: Date
    public var sourceIP: String
    /// The Author Domain (header_from).
    public var headerFrom: String
    /// The RFC5321.MailFrom domain; nil for the null reverse-path.
    public var envelopeFrom: String?
    /// The recipient domains (envelope_to).
    public var envelopeTo: [String]
    /// pass, fail, none, temperror, permerror.
    public var result: String
    /// The disposition applied: none, quarantine, reject.
    public var disposition: String
    /// RFC 9990 PolicyOverrideType when the applied disposition differs from the policy.
    public var policyOverride: String?
    public var overrideComment: String?
    public var policy: PublishedPolicy?
    /// The evaluated policy (policy.dmarc): none, quarantine, reject.
    public var evaluatedPolicy: String
    public var dkimAligned: Bool
    public var spfAligned: Bool
    public var dkim: [DKIMResult]
    /// The SPF check DMARC used (RFC 9990 auth_results/spf): domain, scope mfrom, result.
    public var spfDomain: String?
    public var spfResult: String
    /// rua= of the applied record, so a later report run knows where to send.
    public var reportURIs: [String]

    public init(id: Int64? = nil, evaluatedAt: Date, sourceIP: String, headerFrom: String, envelopeFrom: String?, envelopeTo: [String],
                result: String, disposition: String, policyOverride: String? = nil, overrideComment: String? = nil,
                policy: PublishedPolicy?, evaluatedPolicy: String, dkimAligned: Bool, spfAligned: Bool, dkim: [DKIMResult],
                spfDomain: String?, spfResult: String, reportURIs: [String]) {
        self.id = id
        self.evaluatedAt = evaluatedAt
        self.sourceIP = sourceIP
        self.headerFrom = headerFrom
        self.envelopeFrom = envelopeFrom
        self.envelopeTo = envelopeTo
        self.result = result
        self.disposition = disposition
        self.policyOverride = policyOverride
        self.overrideComment = overrideComment
        self.policy = policy
        self.evaluatedPolicy = evaluatedPolicy
        self.dkimAligned = dkimAligned
        self.spfAligned = spfAligned
        self.dkim = dkim
        self.spfDomain = spfDomain
        self.spfResult = spfResult
        self.reportURIs = reportURIs
    }
}

/// DMARC evaluations kept for aggregate reports (RFC 9989 §5.3.7, RFC 9990).
public protocol DMARCReportStore: Sendable {
    /// Records one evaluation durably; returns it with its id.
    @discardableResult
    func recordDMARCEvaluation(_ record: DMARCEvaluationRecord) async throws -> DMARCEvaluationRecord
    /// Records one evaluation made during reception without waiting for its own commit where
    /// the store can defer it: it is durable no later than the next write this store
    /// acknowledges (the message's delivery), and `dmarcEvaluations` sees it. A deferred write's
    /// failure is logged by the store, not thrown.
    func recordDMARCEvaluationDeferred(_ record: DMARCEvaluationRecord) async throws
    /// Evaluations in [from, to), oldest first; only those for `headerFrom` when given.
    func dmarcEvaluations(from: Date, to: Date, headerFrom: String?) async throws -> [DMARCEvaluationRecord]
    /// How many evaluations for `headerFrom` in [from, to) there are, and how many passed: the
    /// risk stage's "usually passes" without reading the rows (a busy domain has thousands).
    func dmarcPassCount(headerFrom: String, from: Date, to: Date) async throws -> DMARCPassCount
}

extension DMARCReportStore {
    /// A store without deferred writes records the evaluation at once, which promises more.
    public func recordDMARCEvaluationDeferred(_ record: DMARCEvaluationRecord) async throws {
        try await recordDMARCEvaluation(record)
    }
}

/// Evaluations of one Author Domain in a window, and those among them that passed.
public struct DMARCPassCount: Sendable, Equatable {
    public var evaluations: Int
    public var passes: Int

    public init(evaluations: Int, passes: Int) {
        self.evaluations = evaluations
        self.passes = passes
    }
}
