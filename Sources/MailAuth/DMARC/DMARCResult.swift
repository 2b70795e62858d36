// DMARC results (RFC 9989 §9.2) and what an evaluation produced, with everything RFC 9990
// aggregate reports need (policy published, alignment of each identifier, the policy applied).

import DNSMessage

/// RFC 9989 §9.2 result names.
public enum DMARCResult: String, Sendable, Hashable, Codable, CaseIterable {
    case pass, fail, none, temperror, permerror
}

/// An SPF verdict as DMARC sees it (§4.4.2): only the MAIL FROM identity counts.
public struct DMARCSPFInput: Sendable, Hashable {
    public var result: SPFResult
    /// The RFC5321.MailFrom domain; nil for the null reverse-path (no SPF-authenticated identifier).
    public var domain: String?

    public init(result: SPFResult, domain: String?) {
        self.result = result
        self.domain = domain
    }
}

/// One checked DKIM signature as DMARC sees it (§5.3.3: result, d= and s=).
public struct DMARCDKIMInput: Sendable, Hashable {
    public var domain: String
    public var selector: String
    public var passed: Bool

    public init(domain: String, selector: String, passed: Bool) {
        self.domain = domain
        self.selector = selector
        self.passed = passed
    }
}

/// The evaluation for one Author Domain.
public struct DMARCDomainEvaluation: Sendable, Hashable {
    public var authorDomain: String
    public var result: DMARCResult
    /// Where the applied record was found (Author Domain, Organizational Domain or PSD).
    public var policyDomain: String?
    public var organizationalDomain: String?
    /// The record as published (RFC 9990 policy_published).
    public var record: DMARCRecord?
    /// The Domain Owner Assessment Policy selected from p, sp or np (§4.10.1).
    public var requestedPolicy: DMARCPolicy?
    /// What the published policy asks for this message: `none` on pass, the requested policy
    /// one level down under t=y (§4.7), the requested policy otherwise (policy.dmarc, §9.1).
    public var evaluatedPolicy: DMARCPolicy
    public var spfAligned = false
    public var dkimAligned = false
    /// The d= domains of passing signatures that aligned.
    public var alignedDKIMDomains: [String] = []
    /// Why the result is temperror or permerror, or what was ignored.
    public var problem: String?
    /// DNSSEC status of the applied record's `_dmarc` answer (docs/dns.md, DNSSEC).
    public var policyDNSSEC: DNSSecurityStatus?

    public init(authorDomain: String, result: DMARCResult, evaluatedPolicy: DMARCPolicy = .none) {
        self.authorDomain = authorDomain
        self.result = result
        self.evaluatedPolicy = evaluatedPolicy
    }
}

/// The DMARC verdict on one message.
public struct DMARCOutcome: Sendable, Hashable {
    public var result: DMARCResult
    /// One per Author Domain evaluated (usually exactly one).
    public var evaluations: [DMARCDomainEvaluation]
    /// The evaluated policy that decides the message (the strictest among failures, §11.5).
    public var evaluatedPolicy: DMARCPolicy
    /// Set when there was no single usable From domain.
    public var problem: String?

    public init(result: DMARCResult, evaluations: [DMARCDomainEvaluation], evaluatedPolicy: DMARCPolicy = .none, problem: String? = nil) {
        self.result = result
        self.evaluations = evaluations
        self.evaluatedPolicy = evaluatedPolicy
        self.problem = problem
    }

    /// The evaluation that decided the outcome.
    public var deciding: DMARCDomainEvaluation? {
        evaluations.filter { $0.result == result }.max { $0.evaluatedPolicy < $1.evaluatedPolicy } ?? evaluations.first
    }
}
