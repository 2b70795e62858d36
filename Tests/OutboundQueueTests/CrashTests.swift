import DNSMessage
import Foundation
import HatoTesting
import MailCore
import MailStore
import MailStoreSQLite
import Testing

/// The real `hato serve`, its queue busy delivering to an aiosmtpd sink found through the test
/// DNS server, killed with SIGKILL and restarted: every message must arrive, at most the ones in
/// flight at the kill twice (between the sink's 250 and our record of it).
@Suite struct CrashTests {
    @Test func sigkillWhileDeliveringLosesNothing() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-queue-crash")
        let sink = try await ScriptedPeer.start(.init(delay: 0.02), directory: directory)
        let dns = try await TestDNSServer.start(zoneText: """
            remote.test. 300 IN MX 10 mx.remote.test.
            mx.remote.test. 300 IN A 127.0.0.1
            """)
        let config = directory.url.appendingPathComponent("hato.toml").path
        try """
            hostname = "mail.example.test"
            data_dir = "data"
            [listen]
            smtp = ["127.0.0.1:0"]
            [dns]
            servers = ["\(dns.address)"]
            [delivery]
            mx_port = \(try sink.port)
            retry_initial = "1s"
            retry_max_interval = "1s"
            poll_interval = "1s"
            max_messages_per_connection = 20
            """.write(toFile: config, atomically: true, encoding: .utf8)

        let total = 300
        let store = try SQLiteMailStore(directory: directory.url.appendingPathComponent("data"))
        for n in 0..<total {
            _ = try await store.enqueue(OutboundMessage(
                bytes: Array("From: alice@example.test\r\nTo: bob@remote.test\r\nSubject: crash \(n)\r\n\r\nmessage \(n)\r\n".utf8),
                mailFrom: try EmailAddress("alice@example.test"), recipients: [QueuedRecipient(address: try EmailAddress("u\(n % 7)@remote.test"))]))
        }
        try await store.close()

        func subjects() throws -> [String] {
            try sink.received.compactMap { message in
                message.data.split(separator: "\r\n").first { $0.hasPrefix("Subject: ") }.map(String.init)
            }
        }
        let first = try HatoProcess(["serve", "--config", config])
        let deadline = Date().addingTimeInterval(120)
        while try subjects().count < total / 3 {
            guard Date() < deadline, first.process.isRunning else {
                Issue.record("no progress before the kill: \(first.output) \(first.errorOutput)")
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        first.signal(SIGKILL)
        #expect(await first.exit() == SIGKILL)
        let beforeRestart = try subjects().count

        let second = try HatoProcess(["serve", "--config", config])
        let reader = try SQLiteMailStore(directory: directory.url.appendingPathComponent("data"))
        let finish = Date().addingTimeInterval(180)
        while try await !reader.queuedMessages().isEmpty && Date() < finish {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(try await reader.queuedMessages().isEmpty, "queue drained after the restart")
        try await reader.close()
        second.signal(SIGTERM)
        #expect(await second.exit() == 0, "\(second.errorOutput.suffix(2000))")
        await sink.stop()
        try await dns.shutdown()

        let received = try subjects()
        var copies: [String: Int] = [:]
        for subject in received { copies[subject, default: 0] += 1 }
        let missing = (0..<total).filter { copies["Subject: crash \($0)"] == nil }
        let duplicated = copies.filter { $0.value > 1 }
        #expect(missing.isEmpty, "messages lost: \(missing)")
        #expect(duplicated.values.allSatisfy { $0 == 2 }, "never more than twice: \(duplicated)")
        // At most one message per open connection can fall between the sink's 250 and our record.
        #expect(duplicated.count <= 4, "duplicates: \(duplicated.count)")
        print("crash test: \(total) messages, \(beforeRestart) received before SIGKILL, \(received.count) received in all, "
              + "\(duplicated.count) delivered twice, \(missing.count) lost")
    }
}
