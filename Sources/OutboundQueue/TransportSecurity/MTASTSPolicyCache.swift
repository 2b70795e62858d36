import DNSMessage
import Foundation
import Logging
import MailAuth

/// Fetches a domain's MTA-STS policy body (RFC 8461 §3.3). The real one is HTTPS; tests may
/// serve their own.
public protocol MTASTSPolicyFetching: Sendable {
    /// The body of `https://mta-sts.<domain>/.well-known/mta-sts.txt`, at most `RemoteMTASTSPolicy.maxSize` octets.
    func fetchPolicy(domain: String) async throws -> [UInt8]
}

/// MTA-STS policies by recipient domain, kept in memory for their max_age (RFC 8461 §5): the
/// `_mta-sts` TXT record's id says when to fetch again; a cached, unexpired policy is used when
/// the TXT record disappears or the fetch fails (§5.1, so an attacker cannot strip the policy).
/// Lost at restart (persistence is left to do, docs/transport-security.md).
public actor MTASTSPolicyCache {
    struct Entry {
        var policy: RemoteMTASTSPolicy
        var expires: Date
    }

    let resolver: any DNSResolving
    let fetcher: any MTASTSPolicyFetching
    let logger: Logger
    let now: @Sendable () -> Date
    var entries: [String: Entry] = [:]
    /// Most domains kept; the entry closest to expiry goes first.
    public let maxEntries: Int

    public init(resolver: any DNSResolving, fetcher: any MTASTSPolicyFetching, logger: Logger, maxEntries: Int = 10_000,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.resolver = resolver
        self.fetcher = fetcher
        self.logger = logger
        self.maxEntries = maxEntries
        self.now = now
    }

    /// The policy to apply to mail for `domain`, nil when it has none.
    public func policy(for domain: String) async -> RemoteMTASTSPolicy? {
        let domain = domain.lowercased()
        let current = now()
        let cached = entries[domain].flatMap { $0.expires > current ? $0.policy : nil }
        let id: String
        do {
            let ids = try await resolver.lookupTXT(DNSName("_mta-sts." + domain)).compactMap { try RemoteMTASTSPolicy.recordID($0) }
            // RFC 8461 §3.1: more than one STSv1 record means no (new) policy.
            guard ids.count == 1, let only = ids.first else { return cached }
            id = only
        } catch {
            if !((error as? DNSError)?.isNotFound ?? false) {
                logger.info("MTA-STS record unusable", metadata: ["domain": "\(domain)", "error": "\(error)"])
            }
            return cached
        }
        if let cached, cached.id == id { return cached }
        do {
            let body = try await fetcher.fetchPolicy(domain: domain)
            let policy = try RemoteMTASTSPolicy.parse(body, id: id)
            store(domain, Entry(policy: policy, expires: current.addingTimeInterval(TimeInterval(policy.maxAge))))
            logger.info("MTA-STS policy fetched", metadata: ["domain": "\(domain)", "mode": "\(policy.mode.rawValue)", "id": "\(id)",
                                                              "max_age": "\(policy.maxAge)"])
            return policy
        } catch {
            // RFC 8461 §5.1: a failed fetch keeps the cached policy; without one, no policy.
            logger.notice("MTA-STS policy fetch failed", metadata: ["domain": "\(domain)", "error": "\(error)",
                                                                      "using": "\(cached == nil ? "no policy" : "cached policy")"])
            return cached
        }
    }

    func store(_ domain: String, _ entry: Entry) {
        if entries[domain] == nil, entries.count >= maxEntries,
           let oldest = entries.min(by: { $0.value.expires < $1.value.expires })?.key {
            entries[oldest] = nil
        }
        entries[domain] = entry
    }
}
