import Foundation
import HatoTesting
import Logging
import MailCore
import MailStore
import MailStorePostgres
import Testing

/// The measurement behind `store.chunk_size` (docs/scaling.md): append, whole read and one IMAP
/// streaming piece (256 KiB from the middle) of a 1 MiB and a 16 MiB body per chunk size, through
/// the store itself. Off by default (it only prints numbers); run with
/// `HATO_PG_MEASURE=1 swift test --skip-build --filter PostgresChunkMeasurement`.
@Suite struct PostgresChunkMeasurement {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["HATO_PG_MEASURE"] != nil))
    func chunkSizes() async throws {
        guard let cluster = try await testCluster() else { return }
        var lines = ["chunk     body     append ms  read ms  piece ms"]
        for chunk in [16_384, 65_536, 262_144, 1_048_576, 4_194_304] {
            let database = try await cluster.createDatabase()
            var options = PostgresMailStore.Options()
            options.chunkSize = chunk
            options.maxConnections = 2
            options.logger = Logger(label: "hato.store.measure")
            let store = PostgresMailStore(
                connection: PostgresConnectionSettings(host: "127.0.0.1", port: cluster.port, username: cluster.user, password: cluster.password,
                                                       database: database, tls: .disable),
                options: options)
            try await store.addDomain(try Domain("example.test"))
            let account = try await store.addAccount(try EmailAddress("m@example.test"), credentials: [], quota: .unlimited)
            let inbox = try #require(try await store.mailbox(of: account.id, named: "INBOX"))
            for size in [1 << 20, 16 << 20] {
                var times: [(Double, Double, Double)] = []
                for round in 0..<5 {
                    var bytes = Array("Subject: m\(round)\r\n\r\n".utf8)
                    bytes += (0..<size).map { (n: Int) -> UInt8 in UInt8(33 + (n &* 7919 &+ round) % 90) }
                    let clock = ContinuousClock()
                    var result: AppendResult!
                    let append = try await clock.measure { result = try await store.append(AppendRequest(bytes: bytes), to: inbox.id) }
                    let message = try #require(try await store.message(in: inbox.id, uid: result.uid))
                    let read = try await clock.measure { _ = try await store.readBody(message.body) }
                    let piece = try await clock.measure { _ = try await store.readBody(message.body, offset: size / 2, length: 262_144) }
                    if round > 0 { times.append((append.milliseconds, read.milliseconds, piece.milliseconds)) }
                }
                func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
                let label = size == 1 << 20 ? "1 MiB " : "16 MiB"
                lines.append("\(chunk)\t\(label)\t" + String(format: "%9.1f %8.1f %9.2f", median(times.map(\.0)), median(times.map(\.1)),
                                                                  median(times.map(\.2))))
            }
            try await store.close()
        }
        print(lines.joined(separator: "\n"))
    }
}

extension Duration {
    var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
