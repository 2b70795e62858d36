import DNSMessage
import Foundation
import HatoTesting
import Testing

/// `hato queue retry ID` and `hato queue flush`, run as separate processes while `hato serve`
/// runs, take effect at once through the wake marker (docs/delivery.md), not at the next poll:
/// the server polls once an hour and retries after an hour, so only the wake-up can deliver
/// within the test's 30 seconds.
@Suite struct QueueWakeTests {
    let directory = try! TemporaryDirectory(prefix: "hato-queue-wake")

    /// Runs a hato command without blocking the cooperative pool.
    func hato(_ arguments: [String], config: String) async throws -> (status: Int32, stdout: String, stderr: String) {
        let process = try ChildProcess(executable: try HatoBinary.url, arguments: arguments + ["--config", config])
        process.closeInput()
        let status = await process.exit(timeout: 120)
        return (status, process.output, process.errorOutput)
    }

    /// Waits until `condition` holds, checking every 100 ms, for at most `seconds`.
    func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }

    /// The IDs of the messages `hato queue list` shows as deferred after one attempt.
    func deferred(_ config: String) async throws -> [String] {
        let list = try await hato(["queue", "list"], config: config)
        return list.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
            .filter { $0.count > 4 && $0[3] == "deferred" && $0[4] == "1" }.map { $0[0] }
    }

    func submit(_ port: Int, subject: String) async throws {
        let result = try await Python.run("""
            import smtplib, ssl, sys
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            s = smtplib.SMTP_SSL("127.0.0.1", int(sys.argv[1]), context=ctx); s.login("alice@a.test", "alice long password")
            s.sendmail("alice@a.test", ["bob@remote.test"], ("From: alice@a.test\\r\\nTo: bob@remote.test\\r\\nSubject: " + sys.argv[2] + "\\r\\n\\r\\nhi\\r\\n").encode()); s.quit()
            """, arguments: ["\(port)", subject])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func retryAndFlushFromAnotherProcessDeliverAtOnce() async throws {
        // Each message is refused for now once, then accepted.
        let peer = try await ScriptedPeer.start(.init(dataReplies: ["451 4.3.0 try later", "250 2.0.0 OK", "451 4.3.0 try later", "250 2.0.0 OK"]),
                                                directory: directory)
        let dns = try await TestDNSServer.start(zoneText: """
            remote.test. 300 IN MX 10 mx.remote.test.
            mx.remote.test. 300 IN A 127.0.0.1
            """)
        let config = try await TwoServersTests.configure(directory, name: "a", domain: "a.test", user: "alice@a.test", password: "alice long password", extra: """
            [dns]
            servers = ["\(dns.address)"]
            [listen]
            submissions = ["127.0.0.1:0"]
            [delivery]
            mx_port = \(try peer.port)
            retry_initial = 3600
            poll_interval = 3600
            """)
        let server = try await TwoServersTests.launch("a", config: config)
        let submissions = try TwoServersTests.port(server, "submissions")

        try await submit(submissions, subject: "first")
        #expect(try await eventually(60) { try await deferred(config).count == 1 })
        let first = try #require(try await deferred(config).first)
        let retry = try await hato(["queue", "retry", first], config: config)
        #expect(retry.status == 0, "\(retry.stderr)")
        #expect(try await eventually(30) { try peer.received.count == 1 }, "\(server.errorOutput)")

        try await submit(submissions, subject: "second")
        #expect(try await eventually(60) { try await deferred(config).count == 1 })
        let flush = try await hato(["queue", "flush"], config: config)
        #expect(flush.status == 0, "\(flush.stderr)")
        #expect(try await eventually(30) { try peer.received.count == 2 }, "\(server.errorOutput)")
        #expect(try peer.received.map { $0.data.contains("Subject: second") } == [false, true])

        server.signal(SIGTERM)
        #expect(await server.exit() == 0)
        await peer.stop()
        try await dns.shutdown()
    }
}
