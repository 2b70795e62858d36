// The DNS Tree Walk (RFC 9989 §4.10), policy discovery (§4.10.1) and the Organizational Domain
// selection (§4.10.2). One walker serves one message: lookups are remembered, so the walks for
// the Author Domain and the authenticated identifiers query each name once.

import DNSMessage

/// What a `_dmarc` query gave (§4.10 steps 1-2 and 5-6).
public enum DMARCRecordLookup: Sendable, Hashable {
    case record(DMARCRecord)
    /// No TXT, no record starting with v=DMARC1, several of them (all discarded), or one that
    /// does not parse.
    case none
    /// The DNS did not answer (SERVFAIL, timeout...): no conclusion can be drawn.
    case temperror(String)
}

public struct DMARCLimits: Sendable, Hashable {
    /// §4.10: a walk never makes more than eight queries.
    public var maxTreeWalkQueries = 8
    /// §11.5: several Author Domains in From are each evaluated, up to this many.
    public var maxAuthorDomains = 4

    public init(maxTreeWalkQueries: Int = 8, maxAuthorDomains: Int = 4) {
        self.maxTreeWalkQueries = maxTreeWalkQueries
        self.maxAuthorDomains = maxAuthorDomains
    }
}

/// A DNS failure that stopped a walk.
struct DMARCTemporaryFailure: Error { let detail: String }

/// The policy record that applies to an Author Domain (§4.10.1).
struct DMARCDiscoveredPolicy {
    var record: DMARCRecord
    /// Where the record was found: the Author Domain, its Organizational Domain or its PSD.
    var policyDomain: String
    /// nil when the walk above an Author Domain with its own record failed (§4.10.2): the policy
    /// is known, and only a relaxed check of a different identifier needs this (§5.3.6).
    var organizationalDomain: String?
    /// Why `organizationalDomain` is unknown.
    var organizationalProblem: String? = nil
}

struct DMARCTreeWalker {
    let resolver: any DNSResolving
    let limits: DMARCLimits
    private(set) var cache: [String: DMARCRecordLookup] = [:]
    /// Every `_dmarc` name queried, in order (for tests and `hato auth check`).
    private(set) var queried: [String] = []
    /// DNSSEC status of each `_dmarc.<domain>` answer (or proof of absence), by domain.
    private(set) var security: [String: DNSSecurityStatus] = [:]

    init(resolver: any DNSResolving, limits: DMARCLimits) {
        self.resolver = resolver
        self.limits = limits
    }

    /// §4.10 steps 1-2: the one valid record at `_dmarc.<domain>`, or none.
    mutating func lookup(_ domain: String) async -> DMARCRecordLookup {
        if let cached = cache[domain] { return cached }
        queried.append("_dmarc.\(domain)")
        let result: DMARCRecordLookup
        do {
            let answer = try await resolver.lookup(DNSName("_dmarc.\(domain)"), .txt)
            security[domain] = answer.security
            let texts = answer.records.compactMap(\.data.joinedText)
            result = DMARCRecord.selected(from: texts).map(DMARCRecordLookup.record) ?? .none
        } catch let error as DNSError {
            security[domain] = error.security
            result = error.isNotFound ? .none : .temperror("TXT lookup for _dmarc.\(domain) failed: \(error)")
        } catch {
            result = .none  // a name that is not a valid DNS name has no record
        }
        cache[domain] = result
        return result
    }

    /// §4.10 steps 3-7: the names queried after the starting point, longest first. A name of
    /// eight labels or more is first shortened to seven; then one label goes at a time.
    static func walkTargets(after domain: String, maxQueries: Int = 8) -> [String] {
        var labels = domain.split(separator: ".").map(String.init)
        var targets: [String] = []
        guard !labels.isEmpty else { return [] }
        if labels.count >= maxQueries { labels = Array(labels.suffix(maxQueries - 1)) } else { labels.removeFirst() }
        while !labels.isEmpty {
            targets.append(labels.joined(separator: "."))
            labels.removeFirst()
        }
        return targets
    }

    /// A full walk from `start` (inclusive): the valid records found, longest name first,
    /// stopping at the first record that carries psd=y or psd=n.
    mutating func walk(from start: String, includingStart: Bool = true) async throws(DMARCTemporaryFailure) -> [(domain: String, record: DMARCRecord)] {
        var found: [(domain: String, record: DMARCRecord)] = []
        let names = (includingStart ? [start] : []) + Self.walkTargets(after: start, maxQueries: limits.maxTreeWalkQueries)
        for name in names {
            switch await lookup(name) {
            case .temperror(let detail): throw DMARCTemporaryFailure(detail: detail)
            case .none: continue
            case .record(let record):
                found.append((name, record))
                if record.psd != .unknown { return found }
            }
        }
        return found
    }

    /// §4.10.2 selection over the records a walk from `start` found.
    static func organizationalDomain(start: String, found: [(domain: String, record: DMARCRecord)]) -> String {
        for (domain, record) in found {
            if record.psd == .no { return domain }
            if record.psd == .yes && domain != start {
                // The domain one label below the PSD, on the way to `start`.
                let startLabels = start.split(separator: ".")
                let psdLabels = domain.split(separator: ".").count
                return startLabels.suffix(psdLabels + 1).joined(separator: ".")
            }
        }
        return found.last?.domain ?? start
    }

    /// The Organizational Domain of any domain (§4.10.2).
    mutating func organizationalDomain(of domain: String) async throws(DMARCTemporaryFailure) -> String {
        let found = try await walk(from: domain)
        return Self.organizationalDomain(start: domain, found: found)
    }

    /// §4.10.1: the record to apply to mail from `author`, nil when there is none (DMARC does
    /// not apply).
    mutating func discoverPolicy(author: String) async throws(DMARCTemporaryFailure) -> DMARCDiscoveredPolicy? {
        switch await lookup(author) {
        case .temperror(let detail): throw DMARCTemporaryFailure(detail: detail)
        case .record(let record):
            // The record applies whatever lies above (§4.10.1 stops here); a DNS failure higher
            // up only matters to a relaxed alignment check of another name (§5.3.6: only the
            // queries a verdict needs can make it temperror).
            do {
                let organizational = try await organizationalDomain(of: author)
                return DMARCDiscoveredPolicy(record: record, policyDomain: author, organizationalDomain: organizational)
            } catch {
                return DMARCDiscoveredPolicy(record: record, policyDomain: author, organizationalDomain: nil,
                                             organizationalProblem: error.detail)
            }
        case .none:
            let found = try await walk(from: author, includingStart: false)
            guard !found.isEmpty else { return nil }
            let organizational = Self.organizationalDomain(start: author, found: found)
            if let org = found.first(where: { $0.domain == organizational }) {
                return DMARCDiscoveredPolicy(record: org.record, policyDomain: org.domain, organizationalDomain: organizational)
            }
            // No record at the Organizational Domain: the PSD's record applies.
            if let psd = found.first(where: { $0.record.psd == .yes }) {
                return DMARCDiscoveredPolicy(record: psd.record, policyDomain: psd.domain, organizationalDomain: organizational)
            }
            return nil
        }
    }
}
