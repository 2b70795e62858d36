import Foundation
import HatoTesting
import MailStore
import Testing

/// Debian's isync (mbsync), a client nobody here wrote, syncing INBOX both ways, twice.
@Suite struct MbsyncInteropTests {
    static let mbsync = URL(fileURLWithPath: "/usr/bin/mbsync")

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/mbsync"), "mbsync is not installed"))
    func mbsyncSyncsBothWaysWithoutDuplicates() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let home = fixture.directory.url.appendingPathComponent("mbsync")
        let maildir = home.appendingPathComponent("mail")
        try FileManager.default.createDirectory(at: maildir, withIntermediateDirectories: true)
        let config = home.appendingPathComponent("mbsyncrc")
        try """
            IMAPAccount hato
            Host 127.0.0.1
            Port \(listener.port)
            User \(IMAPFixture.user)
            Pass "\(IMAPFixture.password)"
            SSLType None
            AuthMechs LOGIN

            IMAPStore remote
            Account hato

            MaildirStore local
            Path \(maildir.path)/
            Inbox \(maildir.path)/INBOX

            Channel inbox
            Far :remote:
            Near :local:
            Patterns INBOX
            Create Both
            Expunge Both
            SyncState *

            """.write(to: config, atomically: true, encoding: .utf8)

        func sync() async throws {
            let process = try ChildProcess(executable: Self.mbsync, arguments: ["-c", config.path, "-a"],
                                           environment: ["HOME": home.path])
            let status = await process.exit(timeout: 60)
            try #require(status == 0, "mbsync failed: \(process.output) \(process.errorOutput)")
        }
        func localMessages() throws -> [String] {
            try ["cur", "new"].flatMap { sub in
                let dir = maildir.appendingPathComponent("INBOX").appendingPathComponent(sub)
                return try FileManager.default.contentsOfDirectory(atPath: dir.path).map {
                    try String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8)
                }
            }
        }
        func subjects(_ texts: [String]) -> [String] {
            texts.compactMap { $0.split(whereSeparator: \.isNewline).first { $0.hasPrefix("Subject: ") }.map(String.init) }.sorted()
        }

        try await sync()
        #expect(subjects(try localMessages()) == ["Subject: one", "Subject: three", "Subject: two"])

        // One new message on each side, then sync twice: both sides have all five, once each.
        let local = maildir.appendingPathComponent("INBOX/new/1700000000.1_1.host")
        try "From: me@example.test\r\nSubject: written locally\r\n\r\nhello\r\n".write(to: local, atomically: true, encoding: .utf8)
        _ = try await fixture.store.append(AppendRequest(bytes: Array("Subject: delivered\r\n\r\nnew\r\n".utf8)), to: fixture.inbox.id)
        try await sync()
        try await sync()
        let expected = ["Subject: delivered", "Subject: one", "Subject: three", "Subject: two", "Subject: written locally"]
        #expect(subjects(try localMessages()) == expected)
        let server = try await fixture.store.messages(in: fixture.inbox.id)
        var serverTexts: [String] = []
        for message in server { serverTexts.append(String(decoding: try await fixture.store.readBody(message.body), as: UTF8.self)) }
        #expect(subjects(serverTexts) == expected)
        try await listener.stop()
        try await fixture.store.close()
    }
}
