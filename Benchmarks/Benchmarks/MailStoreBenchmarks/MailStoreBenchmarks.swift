// Append throughput of the embedded store (SQLiteMailStore) with durability on, as issue 2 asks:
// 10 KB messages into one INBOX, with 1 writer and with 16 concurrent writers.
// What the figures mean and the latest results: docs/PERFORMANCE.md.

import Benchmark
import Foundation
import MailCore // not a product of the hato package; visible here as a dependency of MailStore
import MailStore
import MailStoreSQLite

/// Size of every appended message, in octets.
let messageSize = 10 * 1024

/// Appends made by one benchmark iteration (fixed, so iterations are comparable).
let appendsPerIteration = 128

let benchmarks: @Sendable () -> Void = {
    let appendsPerSecond = BenchmarkMetric.custom("appends/s", polarity: .prefersLarger, useScalingFactor: false)
    let appendLatency = BenchmarkMetric.custom("append latency (us)", polarity: .prefersSmaller, useScalingFactor: false)

    for writers in [1, 16] {
        Benchmark(
            "SQLiteMailStore append 10 KB, \(writers) writer\(writers == 1 ? "" : "s")",
            configuration: .init(
                metrics: [.throughput, .wallClock, appendsPerSecond, appendLatency],
                tags: ["writers": "\(writers)", "appends": "\(appendsPerIteration)", "size": "\(messageSize)"],
                units: [appendsPerSecond: .count, appendLatency: .count],
                warmupIterations: 1,
                scalingFactor: .one,
                maxDuration: .seconds(20),
                maxIterations: 40
            ),
            closure: { benchmark, fixture in
                do {
                    let start = ContinuousClock.now
                    let latencies = try await appendMany(
                        appendsPerIteration, concurrency: writers, into: fixture.inbox, of: fixture.store)
                    let elapsed = ContinuousClock.now - start
                    benchmark.stopMeasurement()
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                    benchmark.measurement(appendsPerSecond, Int((Double(appendsPerIteration) / seconds).rounded()))
                    for latency in latencies { benchmark.measurement(appendLatency, latency) }
                } catch {
                    benchmark.error("append failed: \(error)")
                }
            },
            setup: { try await StoreFixture.make() },
            teardown: { try await StoreFixture.current?.destroy() }
        )
    }
}

/// Makes `count` appends, keeping `concurrency` of them in flight (a new one starts as soon as one
/// returns). Returns each append's latency in microseconds.
func appendMany(_ count: Int, concurrency: Int, into inbox: MailboxID, of store: SQLiteMailStore) async throws -> [Int] {
    try await withThrowingTaskGroup(of: Int.self) { group in
        var started = 0
        var latencies: [Int] = []
        latencies.reserveCapacity(count)
        func startOne() {
            let bytes = makeMessage(serial: started)
            group.addTask {
                let start = ContinuousClock.now
                _ = try await store.append(AppendRequest(bytes: bytes), to: inbox)
                let elapsed = ContinuousClock.now - start
                return Int(elapsed.components.seconds) * 1_000_000 + Int(elapsed.components.attoseconds / 1_000_000_000_000)
            }
            started += 1
        }
        while started < min(concurrency, count) { startOne() }
        while let latency = try await group.next() {
            latencies.append(latency)
            if started < count { startOne() }
        }
        return latencies
    }
}

/// A plain-text message of exactly `messageSize` octets with CRLF line endings.
func makeMessage(serial: Int) -> [UInt8] {
    var text = """
        From: Sender <sender@example.test>\r
        To: A <a@example.test>\r
        Subject: benchmark message \(serial)\r
        Date: Mon, 02 Mar 2026 10:00:00 +0000\r
        Message-ID: <bench-\(serial)-\(UInt64.random(in: 0...UInt64.max))@example.test>\r
        MIME-Version: 1.0\r
        Content-Type: text/plain; charset=us-ascii\r
        \r

        """
    let line = "The quick brown fox jumps over the lazy dog, again and again, 0123456789.\r\n"
    while text.utf8.count + line.utf8.count <= messageSize { text += line }
    var bytes = Array(text.utf8)
    while bytes.count < messageSize - 2 { bytes.append(UInt8(ascii: "x")) }
    bytes += [13, 10]
    return bytes
}

/// A fresh store with one account, made once per benchmark (before its warm-up) in a new folder
/// under the temporary directory. Set TMPDIR to a folder on the disk to measure: fsync on tmpfs
/// costs nothing and would make the figures meaningless.
final class StoreFixture: @unchecked Sendable {
    nonisolated(unsafe) static var current: StoreFixture?

    let directory: URL
    let store: SQLiteMailStore
    let inbox: MailboxID

    private init(directory: URL, store: SQLiteMailStore, inbox: MailboxID) {
        self.directory = directory
        self.store = store
        self.inbox = inbox
    }

    static func make() async throws -> StoreFixture {
        try await current?.destroy()
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("hato-bench-\(UUID().uuidString)", isDirectory: true)
        let store = try SQLiteMailStore(directory: directory)
        try await store.addDomain(Domain("example.test"))
        let account = try await store.addAccount(EmailAddress("a@example.test"), credentials: [], quota: .unlimited)
        guard let inbox = try await store.mailbox(of: account.id, named: "INBOX") else {
            throw MailStoreError.mailboxNotFound("INBOX")
        }
        let fixture = StoreFixture(directory: directory, store: store, inbox: inbox.id)
        current = fixture
        return fixture
    }

    func destroy() async throws {
        if Self.current === self { Self.current = nil }
        try await store.close()
        try? FileManager.default.removeItem(at: directory)
    }
}
