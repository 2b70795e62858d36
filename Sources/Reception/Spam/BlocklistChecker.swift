// The lookups of the DNS lists: one A query per zone, answers cached for a few minutes so that
// the connection, RCPT and end-of-DATA phases ask the DNS once. Every query is counted.

import DNSMessage
import Foundation
import Logging

/// One zone's answer about one client address or domain.
public struct BlocklistListing: Sendable, Equatable {
    public var zone: BlocklistZone
    public var subject: String
    public var result: BlocklistResult

    /// "zen.example (sbl, 127.0.0.2)".
    public var evidence: String {
        if case .listed(let meanings, _, let codes) = result {
            return "\(subject) in \(zone.name) (\(meanings.joined(separator: ", ")); \(codes.joined(separator: ", ")))"
        }
        return "\(subject) in \(zone.name)"
    }
}

public actor BlocklistChecker {
    public let resolver: any DNSResolving
    public let counters: ReceptionCounters
    private let now: @Sendable () -> Date
    private var cache: [DNSName: (result: BlocklistResult, expires: Date)] = [:]

    public init(resolver: any DNSResolving, counters: ReceptionCounters = .none, now: @escaping @Sendable () -> Date = Date.init) {
        self.resolver = resolver
        self.counters = counters
        self.now = now
    }

    /// The client address in each of `zones` (DNSBL or DNSWL), queried in parallel.
    public func check(address: IPAddress, in zones: [BlocklistZone], logger: Logger) async -> [BlocklistListing] {
        await check(zones.compactMap { zone in BlocklistQuery.name(for: address, in: zone.zone).map { (zone, $0, address.unmappedIPv4.description) } },
                    logger: logger)
    }

    /// Each domain in each of `zones` (URIBL).
    public func check(domains: [String], in zones: [BlocklistZone], logger: Logger) async -> [BlocklistListing] {
        var queries: [(BlocklistZone, DNSName, String)] = []
        for domain in domains {
            for zone in zones {
                if let name = BlocklistQuery.name(forDomain: domain, in: zone.zone) { queries.append((zone, name, domain)) }
            }
        }
        return await check(queries, logger: logger)
    }

    private func check(_ queries: [(BlocklistZone, DNSName, String)], logger: Logger) async -> [BlocklistListing] {
        var results: [BlocklistResult?] = Array(repeating: nil, count: queries.count)
        var pending: [(Int, DNSName, BlocklistZone)] = []
        let time = now()
        for (index, (zone, name, _)) in queries.enumerated() {
            if let cached = cache[name], cached.expires > time { results[index] = cached.result } else { pending.append((index, name, zone)) }
        }
        let resolver = self.resolver
        let answers = await withTaskGroup(of: (Int, BlocklistResult).self) { group in
            for (index, name, zone) in pending {
                group.addTask { (index, await Self.lookup(name, zone: zone, resolver: resolver)) }
            }
            var collected: [(Int, BlocklistResult)] = []
            for await answer in group { collected.append(answer) }
            return collected
        }
        for (index, result) in answers {
            results[index] = result
            let (zone, name, subject) = queries[index]
            counters.increment(ReceptionCounters.dnsListResults, [("kind", zone.kind.rawValue), ("zone", zone.name), ("result", result.metricLabel)])
            switch result {
            case .error(let why):
                logger.warning("DNS list lookup failed", metadata: ["zone": "\(zone.name)", "subject": "\(subject)", "error": "\(why)"])
            case .refused(let codes):
                logger.warning("DNS list refused the query (error return code); counted as not listed",
                               metadata: ["zone": "\(zone.name)", "codes": "\(codes.joined(separator: ","))"])
            case .unexpected(let codes):
                logger.warning("DNS list gave an answer it does not document; counted as not listed",
                               metadata: ["zone": "\(zone.name)", "codes": "\(codes.joined(separator: ","))"])
            case .listed, .notListed:
                break
            }
            guard case .error = result else {
                store(result, for: name, at: time)
                continue
            }
        }
        return queries.enumerated().map { index, query in
            BlocklistListing(zone: query.0, subject: query.2, result: results[index] ?? .notListed)
        }
    }

    private func store(_ result: BlocklistResult, for name: DNSName, at time: Date) {
        if cache.count >= SpamLimits.maxCachedAnswers {
            cache = cache.filter { $0.value.expires > time }
            if cache.count >= SpamLimits.maxCachedAnswers { cache.removeAll(keepingCapacity: true) }
        }
        cache[name] = (result, time.addingTimeInterval(SpamLimits.answerCacheSeconds))
    }

    static func lookup(_ name: DNSName, zone: BlocklistZone, resolver: any DNSResolving) async -> BlocklistResult {
        do {
            let addresses = try await resolver.lookupIPv4(name)
            return BlocklistResult.interpret(addresses, zone: zone)
        } catch {
            return error.isNotFound ? .notListed : .error(error.description)
        }
    }
}
