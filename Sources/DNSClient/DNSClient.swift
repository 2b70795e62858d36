// The stub resolver: asks recursive servers over UDP, falls back to TCP on TC (RFC 1035 §4.2.1,
// RFC 7766 §5), retries over servers on timeouts and failures, follows CNAME chains, caches
// answers and negative answers, and merges identical queries in flight.

import DNSMessage
import Logging
import NIOCore
import NIOPosix

public actor DNSClient: DNSResolving {
    public nonisolated let configuration: DNSClientConfiguration
    private let transport: DNSTransport
    private let now: @Sendable () -> NIODeadline
    private let logger: Logger
    private var cache: DNSCache
    private var inFlight: [DNSCacheKey: Task<Result<DNSAnswer, DNSError>, Never>] = [:]
    /// Queries sent on the wire (UDP and TCP), for tests and metrics.
    public private(set) var queriesSent = 0

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
        self.cache = DNSCache(capacity: configuration.cacheCapacity)
    }

    /// Entries in the cache, for tests.
    public var cachedEntries: Int { cache.count }

    public func flushCache() { cache.removeAll() }

    public func lookup(_ name: DNSName, _ type: DNSRecordType) async throws(DNSError) -> DNSAnswer {
        let key = DNSCacheKey(name, type)
        switch cache.get(key, now: now()) {
        case .answer(let answer)?: return answer
        case .negative(let error)?: throw error
        case nil: break
        }
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
                cache.put(DNSCacheKey(name, type), .answer(answer),
                          ttl: min(answer.ttl, DNSLimits.maxPositiveTTL), now: now())
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
                if let ttl {
                    let chainTTL = (chain + cnames).map(\.ttl).min() ?? ttl
                    cache.put(DNSCacheKey(name, type), .negative(error), ttl: min(ttl, chainTTL), now: now())
                }
                return .failure(error)
            case .cnameLimit(let at):
                return .failure(DNSError(.cnameLimit, name: at, detail: "CNAME chain too long or looping"))
            }
        }
    }

    /// Asks each server in turn, `attempts` rounds, until one gives NOERROR or NXDOMAIN.
    private func exchange(_ question: DNSQuestion) async throws(DNSError) -> (DNSMessage, DNSServer) {
        guard !configuration.servers.isEmpty else { throw DNSError(.badQuery, detail: "no DNS servers configured") }
        var lastError = DNSError(.timeout, name: question.name)
        for _ in 0..<configuration.attempts {
            for server in configuration.servers {
                do {
                    let response = try await exchange(question, with: server)
                    switch response.responseCode {
                    case .noError, .nameError:
                        return (response, server)
                    default:
                        let bogus = server.validating && response.responseCode == .serverFailure
                            && response.edns?.extendedErrorCodes.contains(where: { (6...12).contains($0) }) == true
                        lastError = DNSError(.serverFailure, name: question.name, responseCode: response.responseCode,
                                             security: bogus ? .bogus : .insecure, detail: "from \(server)")
                        // RFC 8914 §4.7: a validating resolver found the data bogus; others agree.
                        if bogus { throw lastError }
                    }
                } catch let failure as TransportFailure {
                    switch failure {
                    case .timeout:
                        lastError = DNSError(.timeout, name: question.name, detail: "no reply from \(server)")
                    case .malformed(let detail), .network(let detail):
                        lastError = DNSError(.malformedResponse, name: question.name, detail: "\(server): \(detail)")
                    }
                    logger.debug("DNS query failed", metadata: ["server": "\(server)", "error": "\(lastError)"])
                } catch let error as DNSError {
                    throw error
                } catch {
                    lastError = DNSError(.malformedResponse, name: question.name, detail: "\(server): \(error)")
                }
            }
        }
        throw lastError
    }

    /// UDP first; TCP when the reply is truncated (RFC 7766 §5). A FORMERR without OPT to an
    /// EDNS query is retried once without EDNS (RFC 6891 §7).
    private func exchange(_ question: DNSQuestion, with server: DNSServer) async throws -> DNSMessage {
        let address: SocketAddress
        do { address = try server.socketAddress() } catch {
            throw TransportFailure.network("bad server address \(server)")
        }
        let edns = EDNS(udpPayloadSize: configuration.udpPayloadSize, dnssecOK: server.validating)
        var query = DNSMessage.query(id: UInt16.random(in: .min ... .max), name: question.name, type: question.type,
                                     edns: edns, authenticData: server.validating)
        queriesSent += 1
        var response = try await transport.udp(query, to: address, timeout: configuration.timeout)
        if response.responseCode == .formatError && response.edns == nil {
            query.edns = nil
            query.id = UInt16.random(in: .min ... .max)
            queriesSent += 1
            response = try await transport.udp(query, to: address, timeout: configuration.timeout)
        }
        if response.truncated {
            query.id = UInt16.random(in: .min ... .max)
            queriesSent += 1
            response = try await transport.tcp(query, to: address, timeout: configuration.timeout)
        }
        return response
    }
}
