import DNSMessage
import Foundation
import Logging
import MailAuth
import MailStore

/// Fetches a domain's MTA-STS policy body (RFC 8461 §3.3). The real one is HTTPS; tests may
/// serve their own.
public protocol MTASTSPolicyFetching: Sendable {
    /// The body of `https://mta-sts.<domain>/.well-known/mta-sts.txt`, at most `RemoteMTASTSPolicy.maxSize` octets.
    func fetchPolicy(domain: String) async throws -> [UInt8]
}

/// What the cache has for a domain: the policy to apply, and why there is none when the domain
/// publishes an `_mta-sts` record but no policy could be had (RFC 8460 §4.3.2.2).
public struct MTASTSLookup: Sendable {
    public var policy: RemoteMTASTSPolicy?
    /// `sts-policy-fetch-error`, `sts-policy-invalid` or `sts-webpki-invalid`, with the cause.
    public var failure: TLSReportPolicy.Failure?
    /// Where the policy came from, for `hato queue show` and the log ("fetched", "cached until …").
    public var source: String

    public init(policy: RemoteMTASTSPolicy?, failure: TLSReportPolicy.Failure? = nil, source: String = "") {
        self.policy = policy
        self.failure = failure
        self.source = source
    }
}

/// MTA-STS policies by recipient domain (RFC 8461 §5): in memory and, given a store, persisted
/// (migration v19-mta-sts-cache) so a restart keeps them. The `_mta-sts` TXT record's id says
/// when to fetch again; a cached, unexpired policy is used when the TXT record disappears or the
/// fetch fails (§5.1, so an attacker cannot strip the policy). `refreshDue` fetches policies
/// again before they expire (§10.3); `MTASTSRefreshService` runs it periodically.
public actor MTASTSPolicyCache {
    struct Entry {
        var policy: RemoteMTASTSPolicy
        var fetched: Date
        var expires: Date
    }

    let resolver: any DNSResolving
    let fetcher: any MTASTSPolicyFetching
    let store: (any MTASTSPolicyStore)?
    let logger: Logger
    let now: @Sendable () -> Date
    var entries: [String: Entry] = [:]
    /// Most domains kept in memory; the entry closest to expiry goes first (the store keeps all).
    public let maxEntries: Int

    public init(resolver: any DNSResolving, fetcher: any MTASTSPolicyFetching, store: (any MTASTSPolicyStore)? = nil, logger: Logger,
                maxEntries: Int = 10_000, now: @escaping @Sendable () -> Date = { Date() }) {
        self.resolver = resolver
        self.fetcher = fetcher
        self.store = store
        self.logger = logger
        self.maxEntries = maxEntries
        self.now = now
    }

    /// The policy to apply to mail for `domain`, nil when it has none.
    public func policy(for domain: String) async -> RemoteMTASTSPolicy? {
        await lookup(domain).policy
    }

    /// The policy for `domain` with where it came from, or why there is none.
    public func lookup(_ domain: String) async -> MTASTSLookup {
        let domain = domain.lowercased()
        let current = now()
        let cached = await cachedEntry(domain, at: current)
        let cachedLookup = MTASTSLookup(policy: cached?.policy, source: cached.map { "cached, fetched \(Self.stamp($0.fetched)), expires \(Self.stamp($0.expires))" } ?? "")
        let id: String
        do {
            let ids = try await resolver.lookupTXT(DNSName("_mta-sts." + domain)).compactMap { try RemoteMTASTSPolicy.recordID($0) }
            // RFC 8461 §3.1: more than one STSv1 record means no (new) policy.
            guard ids.count == 1, let only = ids.first else { return cachedLookup }
            id = only
        } catch {
            if !((error as? DNSError)?.isNotFound ?? false) {
                logger.info("MTA-STS record unusable", metadata: ["domain": "\(domain)", "error": "\(error)"])
            }
            return cachedLookup
        }
        if let cached, cached.policy.id == id { return cachedLookup }
        switch await fetch(domain, id: id, at: current) {
        case .success(let entry):
            return MTASTSLookup(policy: entry.policy, source: "fetched \(Self.stamp(entry.fetched)), expires \(Self.stamp(entry.expires))")
        case .failure(let failure):
            // RFC 8461 §5.1: a failed fetch keeps the cached policy; without one, no policy (and
            // TLS-RPT reports the failure, RFC 8460 §4.3.2.2).
            logger.notice("MTA-STS policy fetch failed", metadata: ["domain": "\(domain)", "error": "\(failure.reason)",
                                                                      "using": "\(cached == nil ? "no policy" : "cached policy")"])
            return cached == nil ? MTASTSLookup(policy: nil, failure: failure, source: "fetch failed: \(failure.reason)") : cachedLookup
        }
    }

    /// Fetches and parses the policy for `id`, and keeps it (memory and store) on success.
    func fetch(_ domain: String, id: String, at current: Date) async -> Result<Entry, TLSReportPolicy.Failure> {
        let body: [UInt8]
        do {
            body = try await fetcher.fetchPolicy(domain: domain)
        } catch {
            return .failure(Self.classify(error))
        }
        let policy: RemoteMTASTSPolicy
        do {
            policy = try RemoteMTASTSPolicy.parse(body, id: id)
        } catch {
            return .failure(TLSReportPolicy.Failure(result: "sts-policy-invalid", reason: error.description))
        }
        let entry = Entry(policy: policy, fetched: current, expires: current.addingTimeInterval(TimeInterval(policy.maxAge)))
        remember(domain, entry)
        if let store {
            do {
                try await store.saveMTASTSPolicy(CachedMTASTSPolicy(domain: domain, policyID: id, body: String(decoding: body, as: UTF8.self),
                                                                    fetchedAt: entry.fetched, expiresAt: entry.expires))
            } catch {
                logger.warning("MTA-STS policy not persisted", metadata: ["domain": "\(domain)", "error": "\(error)"])
            }
        }
        logger.info("MTA-STS policy fetched", metadata: ["domain": "\(domain)", "mode": "\(policy.mode.rawValue)", "id": "\(id)",
                                                          "max_age": "\(policy.maxAge)"])
        return .success(entry)
    }

    /// RFC 8460 §4.3.2.2: a certificate the WebPKI refuses is `sts-webpki-invalid`, a policy that
    /// is not one (wrong media type, too large) `sts-policy-invalid`, anything else (unreachable
    /// host, HTTP status) `sts-policy-fetch-error`.
    static func classify(_ error: any Error) -> TLSReportPolicy.Failure {
        let text = "\(error)"
        if let fetch = error as? HTTPSPolicyFetcher.FetchError, fetch.invalidPolicy {
            return TLSReportPolicy.Failure(result: "sts-policy-invalid", reason: text)
        }
        if TLSResultType.certificateProblem(text) != nil || text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("failedToValidateHostname") {
            return TLSReportPolicy.Failure(result: "sts-webpki-invalid", reason: text)
        }
        if text.contains("bodyLengthMismatch") || text.contains("responseBodyTooLarge") || text.contains("tooManyBytes") {
            return TLSReportPolicy.Failure(result: "sts-policy-invalid", reason: text)
        }
        return TLSReportPolicy.Failure(result: "sts-policy-fetch-error", reason: text)
    }

    /// The unexpired entry from memory, else from the store (after a restart).
    func cachedEntry(_ domain: String, at current: Date) async -> Entry? {
        if let entry = entries[domain] { return entry.expires > current ? entry : nil }
        guard let store else { return nil }
        do {
            guard let row = try await store.mtaSTSPolicy(domain: domain), row.expiresAt > current else { return nil }
            let policy = try RemoteMTASTSPolicy.parse(Array(row.body.utf8), id: row.policyID)
            let entry = Entry(policy: policy, fetched: row.fetchedAt, expires: row.expiresAt)
            remember(domain, entry)
            return entry
        } catch {
            logger.warning("MTA-STS cached policy unreadable", metadata: ["domain": "\(domain)", "error": "\(error)"])
            return nil
        }
    }

    /// Fetches again every persisted policy past half its lifetime (RFC 8461 §10.3: refresh before
    /// expiry, so a policy does not lapse while its host is briefly unreachable), at most `limit`,
    /// and deletes expired rows. A policy whose fetch fails stays until it expires. Returns the
    /// domains refreshed.
    @discardableResult
    public func refreshDue(limit: Int = 1_000) async -> [String] {
        guard let store else { return [] }
        let current = now()
        var refreshed: [String] = []
        do {
            _ = try await store.deleteExpiredMTASTSPolicies(now: current)
            let rows = try await store.mtaSTSPoliciesExpiring(
                after: current, before: current.addingTimeInterval(TimeInterval(RemoteMTASTSPolicy.maxAgeLimit)), limit: limit)
            for row in rows where current >= row.fetchedAt.addingTimeInterval(row.expiresAt.timeIntervalSince(row.fetchedAt) / 2) {
                // The TXT id when there is exactly one record, else the cached policy's (§3.1, §5.1).
                let ids = (try? await resolver.lookupTXT(DNSName("_mta-sts." + row.domain)).compactMap { try RemoteMTASTSPolicy.recordID($0) }) ?? []
                let id = ids.count == 1 ? ids[0] : row.policyID
                switch await fetch(row.domain, id: id, at: current) {
                case .success: refreshed.append(row.domain)
                case .failure(let failure):
                    logger.notice("MTA-STS policy refresh failed", metadata: ["domain": "\(row.domain)", "error": "\(failure.reason)",
                                                                                "expires": "\(Self.stamp(row.expiresAt))"])
                }
            }
        } catch {
            logger.warning("MTA-STS refresh: store unavailable", metadata: ["error": "\(error)"])
        }
        for (domain, entry) in entries where entry.expires <= current { entries[domain] = nil }
        return refreshed
    }

    func remember(_ domain: String, _ entry: Entry) {
        if entries[domain] == nil, entries.count >= maxEntries,
           let oldest = entries.min(by: { $0.value.expires < $1.value.expires })?.key {
            entries[oldest] = nil
        }
        entries[domain] = entry
    }

    static func stamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
