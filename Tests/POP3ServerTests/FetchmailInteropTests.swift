import Foundation
import HatoTesting
import MailStore
import Testing

/// Debian's fetchmail downloading and deleting over POP3 (RFC 1939) from Hato. Skipped with a
/// message when fetchmail is not installed; CI installs it and fails without it.
@Suite struct FetchmailInteropTests {
    @Test func fetchmailDownloadsAndDeletes() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/fetchmail") else {
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("fetchmail missing in CI: .ci/run installs it") }
            return
        }
        let suite = POP3ServerTests()
        let fixture = try await suite.fixture(messages: POP3ServerTests.messages)
        let listener = try await TestListener.start(fixture.server, name: "pop3")
        let home = try TemporaryDirectory(prefix: "hato-fetchmail")
        let output = home.url.appendingPathComponent("delivered.mbox").path
        let rc = home.url.appendingPathComponent("fetchmailrc").path
        try """
            set no bouncemail
            set no syslog
            poll 127.0.0.1 with proto POP3 port \(listener.port) uidl
                user "alice@example.test" there with password "\(POP3ServerTests.password)" is "tester" here
                mda "/bin/sh -c 'cat >> \(output)'"
                sslproto ''
                no keep
            """.write(toFile: rc, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: rc)
        let fetchmail = try ChildProcess(
            executable: URL(fileURLWithPath: "/usr/bin/fetchmail"),
            arguments: ["-f", rc, "--nodetach", "--idfile", home.url.appendingPathComponent("ids").path, "-v"],
            environment: ["HOME": home.path, "FETCHMAILHOME": home.path])
        fetchmail.closeInput()
        let status = await fetchmail.exit(timeout: 60)
        #expect(status == 0, "fetchmail exit \(status): \(fetchmail.output) \(fetchmail.errorOutput)")
        let delivered = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(delivered.contains("Subject: one") && delivered.contains("Subject: two") && delivered.contains("日本語の本文"),
                "\(delivered)")
        #expect(delivered.contains("\n.starts with a dot"), "byte-stuffing undone by fetchmail")
        #expect(try await fixture.store.messages(in: fixture.inbox.id).isEmpty, "fetchmail deleted what it downloaded")
        try await listener.stop()
        try await fixture.store.close()
    }
}

