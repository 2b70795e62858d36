// The stub resolver: asks recursive servers over UDP, falls back to TCP on TC (RFC 1035 §4.2.1,
// RFC 7766 §5), retries over servers on timeouts and failures, follows CNAME chains, caches
// answers and negative answers, and merges identical queries in flight.

import DNSMessage
import Logging
import NIOCore
import NIOPosix
import Synchronization

public actor DNSClient: DNSResolving {
    public nonisolated let configuration: DNSClientConfiguration
    let transport: DNSTransport
    private let now: @Sendable () -> NIODeadline
    let logger: Logger
    /// Behind a lock, not the actor: an answer in the cache is returned on the caller's own
    /// executor (`lookup`). Entering the actor for it moved every lookup of a message's checks
    /// from its session's event loop to a thread of the cooperative pool and back, two thread
    /// wake-ups each, about four per received message (issue 24, docs/PERFORMANCE.md).
    private let cache: Mutex<DNSCache>
    private var inFlight: [DNSCacheKey: Task<Result<DNSAnswer, DNSError>, Never>] = [:]
    /// Queries sent on the wire (UDP and TCP), for tests and metrics.
    public internal(set) var queriesSent = 0
    /// Round-trip estimates per server: when to ask again (RetransmissionTimer).
    var retransmission: RetransmissionTimer

    /// - Parameters:
    ///   - now: the clock for TTLs; tests pass a manual one.
    public init(configuration: DNSClientConfiguration,
                eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "hato.dns"),
                now: @escaping @Sendable () -> NIODeadline = { NIODeadline.now() }) {
        self.configuration = configuration
        self.transport = DNSTransport(group: eventLoopGroup, logger: logger)
        self.now = now
        self.logger = logger
        self.cache = Mutex(DNSCache(capacity: configuration.cacheCapacity))
        self.retransmission = RetransmissionTimer(minimum: configuration.retransmitMinimum,
                                                 initial: configuration.retransmitInitial)
    }

    /// Entries in the cache, for tests.
    public var cachedEntries: Int { cache.withLock { $0.count } }

    public func flushCache() { cache.withLock { $0.removeAll() } }

    /// Answers from the cache without entering the actor; a miss goes to `resolveMissing`.
    public nonisolated func lookup(_ name: DNSName, _ type: DNSRecordType) async throws(DNSError) -> DNSAnswer {
        let key = DNSCacheKey(name, type)
        if let cached = cachedValue(key) { return try cached.get() }
        return try await resolveMissing(key, name, type)
    }

    public nonisolated func hasCachedAnswer(_ name: DNSName, _ type: DNSRecordType) -> Bool {
        cachedValue(DNSCacheKey(name, type)) != nil
    }

    private nonisolated func cachedValue(_ key: DNSCacheKey) -> Result<DNSAnswer, DNSError>? {
        let now = now()
        switch cache.withLock({ $0.get(key, now: now) }) {
        case .answer(let answer)?: return .success(answer)
        case .negative(let error)?: return .failure(error)
        case nil: return nil
        }
    }

    /// On the actor: merges identical questions in flight (the cache is looked at again, since
    /// a question may have been answered between the look in `lookup` and now).
    private func resolveMissing(_ key: DNSCacheKey, _ name: DNSName, _ type: DNSRecordType) async throws(DNSError) -> DNSAnswer {
        if let cached = cachedValue(key) { return try cached.get() }
        if let running = inFlight[key] {
            return try await running.value.get()
        }
        let task = Task { await self.resolve(name, type) }
        inFlight[key] = task
        let result = await task.value
        inFlight[key] = nil
        return try result.get()
    }

    /// One question, no cache, no CNAME chasing: the response of the first server that gives
    /// a usable one (what `hato dns query` prints).
    public func query(_ name: DNSName, _ type: DNSRecordType) async throws(DNSError)
        -> (response: DNSMessage, server: DNSServer)
    {
        try await exchange(DNSQuestion(name: name, type: type))
    }

    // MARK: resolution

    private func resolve(_ name: DNSName, _ type: DNSRecordType) async -> Result<DNSAnswer, DNSError> {
        var chain: [DNSResourceRecord] = []
        var current = name
        var security = DNSSecurityStatus.secure
        while true {
            let response: DNSMessage, server: DNSServer
            do {
                (response, server) = try await exchange(DNSQuestion(name: current, type: type))
            } catch {
                return .failure(error)
            }
            let hopSecurity: DNSSecurityStatus = server.validating && response.authenticData ? .secure : .insecure
            if hopSecurity == .insecure { security = .insecure }
            let outcome = DNSResponseInterpreter.interpret(response, name: current, type: type,
                                                           maxChain: configuration.maxCNAMEChain - chain.count)
            switch outcome {
            case .records(let cnames, let records):
                let answer = DNSAnswer(question: DNSQuestion(name: name, type: type),
                                       canonicalName: records[0].name, cnameChain: chain + cnames,
                                       records: records, security: security)
                let now = now()
                cache.withLock { $0.put(DNSCacheKey(name, type), .answer(answer), ttl: min(answer.ttl, DNSLimits.maxPositiveTTL), now: now) }
                return .success(answer)
            case .chase(let cnames, let target):
                chain += cnames
                let seen = Set(chain.map { $0.name.lowercased })
                guard chain.count < configuration.maxCNAMEChain, !seen.contains(target.lowercased) else {
                    return .failure(DNSError(.cnameLimit, name: name, detail: "CNAME chain too long or looping"))
                }
                current = target
            case .negative(let cnames, let kind, let at, let ttl):
                let code: DNSResponseCode = kind == .nxdomain ? .nameError : .noError
                let error = DNSError(kind, name: at, responseCode: code, security: security)
                // Without an SOA (some resolvers strip it) the answer is still kept, briefly:
                // a new sender domain that does not exist would otherwise be asked again for
                // every message it sends (RFC 2308 §5 advises against caching it at all, for
                // caches that serve other resolvers; a stub's private cache cannot loop).
                let ttl = ttl ?? configuration.negativeTTLWithoutSOA
                let chainTTL = (chain + cnames).map(\.ttl).min() ?? ttl
                let now = now()
                cache.withLock { $0.put(DNSCacheKey(name, type), .negative(error), ttl: min(ttl, chainTTL), now: now) }
                return .failure(error)
            case .cnameLimit(let at):
                return .failure(DNSError(.cnameLimit, name: at, detail: "CNAME chain too long or looping"))
            }
        }
    }
}
