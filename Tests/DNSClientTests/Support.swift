import DNSClient
import DNSMessage
import Foundation
import HatoTesting
import NIOCore

func name(_ text: String) -> DNSName { try! DNSName(text) }

let testZone = """
    $ORIGIN example.com.
    @        3600 SOA ns hostmaster 1 7200 3600 1209600 60
    @        300 A 192.0.2.10
    @        300 MX 10 mail
    @        300 TXT "v=spf1 -all"
    mail     300 A 192.0.2.129
    short    1   A 192.0.2.1
    www      300 CNAME @
    alias    300 CNAME www
    loop1    300 CNAME loop2
    loop2    300 CNAME loop1
    c1 CNAME c2
    c2 CNAME c3
    c3 CNAME c4
    c4 CNAME c5
    c5 CNAME c6
    c6 A 192.0.2.6
    out      300 CNAME target.example.net.
    $ORIGIN example.net.
    target   300 A 192.0.2.77
    """

/// A clock tests move by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = NIODeadline.uptimeNanoseconds(1_000_000_000)
    func now() -> NIODeadline { lock.withLock { current } }
    func advance(seconds: Int64) { lock.withLock { current = current + .seconds(seconds) } }
}

/// The default timeout is generous because the whole suite runs in parallel on two cores (with,
/// among others, an SMTP test holding 1000 connections on the same event loops); tests that
/// expect a timeout pass their own short one, and passing tests never wait for it.
func client(_ servers: [TestDNSServer], validating: Bool = false, timeoutMs: Int64 = 15000, attempts: Int = 1,
            maxChain: Int = 8, capacity: Int = 1000, clock: ManualClock? = nil) -> DNSClient {
    let configuration = DNSClientConfiguration(
        servers: servers.map { DNSServer(parsing: $0.address, validating: validating)! },
        timeout: .milliseconds(timeoutMs), attempts: attempts, maxCNAMEChain: maxChain, cacheCapacity: capacity)
    if let clock {
        return DNSClient(configuration: configuration, now: { clock.now() })
    }
    return DNSClient(configuration: configuration)
}

/// Runs `body` with a started server and shuts it down afterwards.
func withServer<T>(_ zone: String = testZone, behavior: TestDNSBehavior = .normal,
                   _ body: (TestDNSServer) async throws -> T) async throws -> T {
    let server = try await TestDNSServer.start(zoneText: zone, behavior: behavior)
    do {
        let result = try await body(server)
        try await server.shutdown()
        return result
    } catch {
        try? await server.shutdown()
        throw error
    }
}

func addresses(_ answer: DNSAnswer) -> [String] {
    answer.records.compactMap { if case .a(let a) = $0.data { a.description } else { nil } }
}
