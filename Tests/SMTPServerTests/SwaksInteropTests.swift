import Foundation
import HatoTesting
import Testing

/// Debian's swaks, a client nobody here wrote, against the MX and submission listeners.
/// Skipped with a message when swaks is not installed; CI installs it and fails without it.
@Suite struct SwaksInteropTests {
    static var swaks: String? {
        ["/usr/bin/swaks", "/usr/local/bin/swaks"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        guard let swaks = Self.swaks else { throw ConformanceFailure("swaks is not installed") }
        let process = try ChildProcess(executable: URL(fileURLWithPath: swaks), arguments: arguments)
        process.closeInput()
        let status = await process.exit(timeout: 60)
        return (status, process.output + process.errorOutput)
    }

    func available() -> Bool {
        if Self.swaks != nil { return true }
        if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("swaks missing in CI: .ci/run installs it") }
        return false
    }

    @Test func mxDeliveryAndRelayRefusal() async throws {
        guard available() else { return }
        let fixture = try await SMTPFixture.start(profile: .mx)
        let delivered = try await run(["--server", "127.0.0.1", "--port", fixture.port, "--from", "friend@remote.test",
                                       "--to", "alice@example.test", "--helo", "client.remote.test", "--header", "Subject: via swaks",
                                       "--body", "hello from swaks"])
        #expect(delivered.status == 0, "\(delivered.output)")
        #expect(delivered.output.contains("<-  250 2.0.0 OK queued as"))
        let relay = try await run(["--server", "127.0.0.1", "--port", fixture.port, "--from", "friend@remote.test",
                                   "--to", "victim@elsewhere.test", "--quit-after", "RCPT"])
        #expect(relay.output.contains("<** 550 5.7.1 Relaying denied"), "\(relay.output)")
        let stored = try #require(try await fixture.inbox("alice@example.test").first)
        #expect(stored.contains("Subject: via swaks") && stored.contains("hello from swaks"))
        try await fixture.stop()
    }

    @Test func submissionWithStartTLSAndAuth() async throws {
        guard available() else { return }
        let fixture = try await SMTPFixture.start(profile: .submission, loopbackIsSecure: false)
        let result = try await run(["--server", "127.0.0.1", "--port", fixture.port, "--tls", "--auth", "PLAIN",
                                    "--auth-user", "alice@example.test", "--auth-password", SMTPFixture.password,
                                    "--from", "alice@example.test", "--to", "bob@example.test", "--header", "From: alice@example.test",
                                    "--header", "Subject: swaks tls"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("<~  235 2.7.0"), "authenticated inside TLS: \(result.output)")
        let stored = try #require(try await fixture.inbox("bob@example.test").first)
        #expect(stored.contains("with ESMTPSA") && stored.contains("Subject: swaks tls"))
        try await fixture.stop()
    }
}
