// Mail Receiver actions (RFC 9989 §5.3): extract the Author Domain, discover its policy, check
// Identifier Alignment of the SPF and DKIM authenticated identifiers, pass or fail, and the
// policy the Domain Owner asks for. What the receiver then does is `DMARCLocalPolicy`'s job.

import DNSMessage

public struct DMARCVerifier: Sendable {
    public let resolver: any DNSResolving
    public var limits: DMARCLimits

    public init(resolver: any DNSResolving, limits: DMARCLimits = DMARCLimits()) {
        self.resolver = resolver
        self.limits = limits
    }

    /// Evaluates a message given the verdicts of SPF (MAIL FROM) and DKIM.
    public func verify(message: [UInt8], spf: DMARCSPFInput, dkim: [DMARCDKIMInput]) async -> DMARCOutcome {
        await verify(authorDomains: DMARCAuthorDomains.extract(from: message), spf: spf, dkim: dkim)
    }

    public func verify(authorDomains: DMARCAuthorDomains, spf: DMARCSPFInput, dkim: [DMARCDKIMInput]) async -> DMARCOutcome {
        await verify(discover(authorDomains), spf: spf, dkim: dkim)
    }

    /// §4.10 policy discovery for every Author Domain: DNS only, so a receiver can start it
    /// before the DKIM verdicts are known and run both at once.
    public func discover(_ authorDomains: DMARCAuthorDomains) async -> DMARCDiscovery {
        var discovery = DMARCDiscovery(authorDomains: authorDomains, walker: DMARCTreeWalker(resolver: resolver, limits: limits))
        guard case .domains(let domains) = authorDomains, domains.count <= limits.maxAuthorDomains else { return discovery }
        for domain in domains {
            do {
                discovery.policies[domain] = .success(try await discovery.walker.discoverPolicy(author: domain))
            } catch {
                discovery.policies[domain] = .failure(error)
            }
        }
        return discovery
    }

    /// Evaluates the discovered policies against the SPF and DKIM verdicts (§5.3.3-§5.3.6).
    public func verify(_ discovery: DMARCDiscovery, spf: DMARCSPFInput, dkim: [DMARCDKIMInput]) async -> DMARCOutcome {
        let domains: [String]
        switch discovery.authorDomains {
        case .missing:
            // §5.3.1: no Author Domain, validation is not possible.
            return DMARCOutcome(result: .permerror, evaluations: [], problem: "no From domain")
        case .multipleFields(let count):
            return DMARCOutcome(result: .permerror, evaluations: [], problem: "\(count) From header fields")
        case .domains(let list):
            domains = list
        }
        guard domains.count <= limits.maxAuthorDomains else {
            return DMARCOutcome(result: .permerror, evaluations: [],
                                problem: "\(domains.count) From domains, more than the \(limits.maxAuthorDomains) evaluated")
        }
        var walker = discovery.walker
        var evaluations: [DMARCDomainEvaluation] = []
        for domain in domains {
            evaluations.append(await evaluate(author: domain, discovered: discovery.policies[domain] ?? .success(nil),
                                              spf: spf, dkim: dkim, walker: &walker))
        }
        return Self.combine(evaluations)
    }

    /// §11.5: with several Author Domains each is evaluated and the strictest failing policy
    /// applies; a failure outweighs a DNS error, which outweighs a pass.
    static func combine(_ evaluations: [DMARCDomainEvaluation]) -> DMARCOutcome {
        let failures = evaluations.filter { $0.result == .fail }
        if let worst = failures.max(by: { $0.evaluatedPolicy < $1.evaluatedPolicy }) {
            return DMARCOutcome(result: .fail, evaluations: evaluations, evaluatedPolicy: worst.evaluatedPolicy)
        }
        for result in [DMARCResult.permerror, .temperror, .pass] where evaluations.contains(where: { $0.result == result }) {
            return DMARCOutcome(result: result, evaluations: evaluations)
        }
        return DMARCOutcome(result: .none, evaluations: evaluations)
    }

    func evaluate(author: String, discovered policy: Result<DMARCDiscoveredPolicy?, DMARCTemporaryFailure>,
                  spf: DMARCSPFInput, dkim: [DMARCDKIMInput], walker: inout DMARCTreeWalker) async -> DMARCDomainEvaluation {
        var evaluation = DMARCDomainEvaluation(authorDomain: author, result: .none)
        let discovered: DMARCDiscoveredPolicy
        switch policy {
        case .success(nil): return evaluation  // §5.3.2
        case .success(let found?): discovered = found
        case .failure(let error):
            evaluation.result = .temperror
            evaluation.problem = error.detail
            return evaluation
        }
        var record = discovered.record
        evaluation.record = record
        evaluation.policyDomain = discovered.policyDomain
        evaluation.organizationalDomain = discovered.organizationalDomain
        evaluation.policyDNSSEC = walker.security[discovered.policyDomain]
        // §4.10.1: a missing or invalid p, or an invalid sp/np: p=none if rua has a valid URI,
        // else no DMARC processing (an improperly formatted record: permerror, §9.2).
        if record.policy == nil || record.hasInvalidPolicyTag {
            guard !record.aggregateReportURIs.isEmpty else {
                evaluation.result = .permerror
                evaluation.problem = "the record at _dmarc.\(discovered.policyDomain) has no valid p= and no rua="
                return evaluation
            }
            record.policy = DMARCPolicy.none
            record.subdomainPolicy = nil
            record.nonexistentPolicy = nil
            evaluation.problem = "the record at _dmarc.\(discovered.policyDomain) has an invalid policy tag: treated as p=none"
        }

        var unresolved: String? = nil
        let alignment = Alignment(author: author, authorOrganizational: discovered.organizationalDomain,
                                  unknownBecause: discovered.organizationalProblem)
        // §4.4.2: the SPF-Authenticated Identifier is the MAIL FROM domain when SPF passed.
        if spf.result == .pass, let domain = spf.domain?.lowercased() {
            switch await alignment.check(domain, mode: record.spfAlignment, walker: &walker) {
            case .aligned: evaluation.spfAligned = true
            case .notAligned: break
            case .unknown(let detail): unresolved = detail
            }
        }
        // §4.4.1: any passing signature whose d= aligns.
        for signature in dkim where signature.passed {
            let domain = signature.domain.lowercased()
            switch await alignment.check(domain, mode: record.dkimAlignment, walker: &walker) {
            case .aligned:
                evaluation.dkimAligned = true
                if !evaluation.alignedDKIMDomains.contains(domain) { evaluation.alignedDKIMDomains.append(domain) }
            case .notAligned: break
            case .unknown(let detail): unresolved = detail
            }
        }
        evaluation.requestedPolicy = await requestedPolicy(record, author: author, policyDomain: discovered.policyDomain)
        if evaluation.spfAligned || evaluation.dkimAligned {
            evaluation.result = .pass
            evaluation.evaluatedPolicy = .none
        } else if let unresolved {
            // §5.3.6: a DNS query needed for the verdict did not complete.
            evaluation.result = .temperror
            evaluation.problem = unresolved
        } else {
            evaluation.result = .fail
            let requested = evaluation.requestedPolicy ?? .none
            evaluation.evaluatedPolicy = record.testing ? requested.testingDowngrade : requested
        }
        return evaluation
    }

    /// §4.10.1: p for the Author Domain's own record; for a subdomain of the policy domain, np if
    /// it does not exist (RFC 8020 NXDOMAIN, §3.2.13), else sp, falling back to p.
    func requestedPolicy(_ record: DMARCRecord, author: String, policyDomain: String) async -> DMARCPolicy {
        let p = record.policy ?? .none
        guard author != policyDomain else { return p }
        if let np = record.nonexistentPolicy, await isNonexistent(author) { return np }
        return record.subdomainPolicy ?? p
    }

    func isNonexistent(_ domain: String) async -> Bool {
        guard let name = try? DNSName(domain) else { return false }
        do {
            _ = try await resolver.lookup(name, .a)
            return false
        } catch {
            return error.kind == .nxdomain
        }
    }
}

/// The Author Domains of a message and the policy records found for them (§4.10), with the
/// DNS answers the walk already has, for the alignment checks that follow.
public struct DMARCDiscovery: Sendable {
    public let authorDomains: DMARCAuthorDomains
    var walker: DMARCTreeWalker
    var policies: [String: Result<DMARCDiscoveredPolicy?, DMARCTemporaryFailure>] = [:]
}

/// Identifier Alignment (§3.2.10, §4.10.2) of authenticated identifiers with one Author Domain.
struct Alignment {
    enum Verdict { case aligned, notAligned, unknown(String) }

    let author: String
    /// nil when the walk above the Author Domain failed: then only identical names can align.
    let authorOrganizational: String?
    var unknownBecause: String? = nil

    func check(_ identifier: String, mode: DMARCAlignmentMode, walker: inout DMARCTreeWalker) async -> Verdict {
        let identifier = identifier.hasSuffix(".") ? String(identifier.dropLast()) : identifier
        // §4.4: comparisons are case-insensitive; identical names align in both modes.
        if identifier == author { return .aligned }
        guard mode == .relaxed else { return .notAligned }
        guard let authorOrganizational else {
            // The Organizational Domain is the Author Domain or one of its parents, so a name
            // under another top-level domain cannot align whatever the walk would have found.
            guard identifier.split(separator: ".").last == author.split(separator: ".").last else { return .notAligned }
            return .unknown(unknownBecause ?? "no Organizational Domain for \(author)")
        }
        // Relaxed: the same Organizational Domain. Names that share no suffix with it cannot.
        // An Organizational Domain is the name itself or one of its parents, so only names at or
        // below the Author Domain's can share it.
        guard identifier == authorOrganizational || identifier.hasSuffix("." + authorOrganizational) else { return .notAligned }
        do {
            let organizational = try await walker.organizationalDomain(of: identifier)
            return organizational == authorOrganizational ? .aligned : .notAligned
        } catch {
            return .unknown(error.detail)
        }
    }
}
