import Foundation
import HatoServer
import HatoTesting
import MailCore
import MailMessage
import MailStore
import MailStoreSQLite
import Testing

/// The admin commands, run through the real `hato` binary as an operator would.
@Suite struct CLITests {
    let workspace: CLIWorkspace
    var directory: TemporaryDirectory { workspace.directory }
    var configPath: String { workspace.configPath }

    init() throws {
        workspace = try CLIWorkspace(prefix: "hato-cli")
    }

    func hato(_ arguments: String..., stdin: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await workspace.hato(arguments, stdin: stdin)
    }

    @Test func domainsAccountsAndAliases() async throws {
        #expect(try await hato("domain", "add", "Example.Test").stdout == "added domain example.test\n")
        let duplicate = try await hato("domain", "add", "example.test")
        #expect(duplicate.status == 1)
        #expect(duplicate.stderr.contains("domain example.test already exists"))
        #expect(try await hato("domain", "add", "bad_domain").stderr.contains("invalid domain"))

        let added = try await hato("account", "add", "alice@example.test", "--password-stdin", stdin: "correct horse battery\n")
        #expect(added.status == 0, "\(added.stderr)")
        let weak = try await hato("account", "add", "bob@example.test", "--password-stdin", stdin: "short\n")
        #expect(weak.status == 1 && weak.stderr.contains("at least 8 characters"))
        #expect(try await hato("account", "add", "carol@nowhere.test", "--password-stdin", stdin: "long enough pw\n").stderr
                    .contains("not a local domain"))
        #expect(try await hato("account", "add", "not-an-address", "--password-stdin", stdin: "long enough pw\n").stderr
                    .contains("invalid address"))
        let list = try await hato("account", "list").stdout
        #expect(list.contains("alice@example.test"))
        #expect(try await hato("account", "passwd", "alice@example.test", "--password-stdin", stdin: "another long one\n").status == 0)
        #expect(try await hato("account", "passwd", "zed@example.test", "--password-stdin", stdin: "another long one\n").stderr
                    .contains("no account zed@example.test"))
        #expect(try await hato("account", "sender-policy", "alice@example.test").stdout == "own\n")
        #expect(try await hato("account", "sender-policy", "alice@example.test", "domain").stdout == "alice@example.test may now send as: domain\n")
        #expect(try await hato("account", "sender-policy", "alice@example.test").stdout == "domain\n")
        #expect(try await hato("account", "sender-policy", "alice@example.test", "everyone").stderr.contains("must be one of: own, domain, any"))

        #expect(try await hato("alias", "add", "@example.test", "alice@example.test").status == 0)
        #expect(try await hato("alias", "add", "team@example.test", "alice@example.test", "friend@elsewhere.test").status == 0)
        #expect(try await hato("alias", "list").stdout == "@example.test -> alice@example.test\nteam@example.test -> alice@example.test, friend@elsewhere.test\n")
        #expect(try await hato("alias", "remove", "@example.test").status == 0)
        #expect(try await hato("alias", "remove", "@example.test").stderr.contains("no alias @example.test"))

        let removeDomain = try await hato("domain", "remove", "example.test")
        #expect(removeDomain.status == 1 && removeDomain.stderr.contains("still has 1 account(s) and 1 alias(es)"))
        #expect(try await hato("account", "remove", "alice@example.test").status == 0)
        #expect(try await hato("alias", "remove", "team@example.test").status == 0)
        #expect(try await hato("domain", "remove", "example.test").status == 0)
        #expect(try await hato("domain", "list").stdout == "")
    }

    @Test func mailboxImportExportRoundTrip() async throws {
        _ = try await hato("domain", "add", "example.test")
        _ = try await hato("account", "add", "alice@example.test", "--password-stdin", stdin: "correct horse battery\n")
        let mbox = directory.url.appendingPathComponent("in.mbox")
        try """
            From bob@example.test Sat Jan  3 01:05:34 1996
            Status: RO
            X-Status: F
            Subject: first

            hello
            >From the quoted line

            From carol@example.test Sat Jan  3 01:06:00 1996
            Subject: second

            unread

            """.write(to: mbox, atomically: true, encoding: .utf8)
        let imported = try await hato("mailbox", "import", "alice@example.test", "Old Mail", mbox.path)
        #expect(imported.stdout == "imported 2 messages into Old Mail\n", "\(imported.stderr)")
        let list = try await hato("mailbox", "list", "alice@example.test").stdout
        let row = try #require(list.split(separator: "\n").first { $0.hasPrefix("Old Mail") })
        #expect(row.split(separator: " ", omittingEmptySubsequences: true).suffix(4) == ["-", "2", "1", "99"])
        #expect(list.contains("Sent      \\Sent"))

        let maildir = directory.url.appendingPathComponent("exported")
        #expect(try await hato("mailbox", "export", "alice@example.test", "Old Mail", "--format", "maildir", "--output", maildir.path).status == 0)
        let names = try FileManager.default.contentsOfDirectory(atPath: maildir.appendingPathComponent("cur").path).sorted()
        #expect(names.count == 2 && names[0].hasSuffix(":2,FS") && names[1].hasSuffix(":2,"))
        #expect(try await hato("mailbox", "import", "alice@example.test", "Copy", maildir.path).status == 0)

        let original = try await hato("mailbox", "export", "alice@example.test", "Old Mail").stdout
        let copy = try await hato("mailbox", "export", "alice@example.test", "Copy").stdout
        #expect(original == copy, "maildir round trip keeps every byte and date")
        #expect(original.contains("\r\n>From the quoted line\r\n"))
        #expect(original.hasPrefix("From MAILER-DAEMON Wed Jan 03 01:05:34 1996\r\nStatus: RO\r\n"))
        let exportedFile = directory.url.appendingPathComponent("out.mbox")
        #expect(try await hato("mailbox", "export", "alice@example.test", "Copy", "--output", exportedFile.path).status == 0)
        #expect(try await hato("mailbox", "import", "alice@example.test", "Again", exportedFile.path).status == 0)
        #expect(try await hato("mailbox", "export", "alice@example.test", "Again").stdout == original, "mbox round trip is exact")
        #expect(try await hato("mailbox", "export", "alice@example.test", "Nope").stderr.contains("no mailbox Nope"))
    }

    @Test func configCheckPrintsEffectiveValuesAndLinePreciseErrors() async throws {
        let good = try await hato("config", "check")
        #expect(good.status == 0)
        #expect(good.stdout.contains("hostname = \"mail.example.test\"  # file, line 1"))
        #expect(good.stdout.contains("max_recipients = 100  # default"))
        try "hostname = \"x\"\n[limits]\nmax_recipients = \"many\"\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        let bad = try await hato("config", "check")
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("hato.toml:3: limits.max_recipients: expected an integer"))
    }
}

extension CLITests {
    /// Every stored message carries its parsed summary, so IMAP FETCH never re-parses it.
    @Test func importedMessagesCarryTheirParsedSummary() async throws {
        _ = try await hato("domain", "add", "example.test")
        _ = try await hato("account", "add", "alice@example.test", "--password-stdin", stdin: "correct horse battery\n")
        let mbox = directory.url.appendingPathComponent("jp.mbox")
        try """
            From bob@example.test Wed Jan  3 01:05:34 1996
            From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.test>
            Subject: =?UTF-8?B?5pel5pys6Kqe44Gu5Lu25ZCN?=
            Content-Type: text/plain; charset=UTF-8

            本文

            """.write(to: mbox, atomically: true, encoding: .utf8)
        #expect(try await hato("mailbox", "import", "alice@example.test", "INBOX", mbox.path).status == 0)
        let store = try SQLiteMailStore(directory: directory.url.appendingPathComponent("data"))
        let account = try #require(try await store.account(try EmailAddress("alice@example.test")))
        let inbox = try #require(try await store.mailbox(of: account.id, named: "INBOX"))
        let message = try #require(try await store.messages(in: inbox.id).first)
        let data = try #require(message.summary)
        let summary = try #require(MessageSummaries.decode(data))
        #expect(summary.subject == "日本語の件名")
        #expect(summary.envelope.from.first?.mailbox == "yamada")
        #expect(summary.size == Int(message.size))
        try await store.close()
    }
}

extension CLITests {
    @Test func queueCommands() async throws {
        _ = try await hato("domain", "add", "example.test")
        let store = try SQLiteMailStore(directory: directory.url.appendingPathComponent("data"))
        let id = try await store.enqueue(OutboundMessage(
            bytes: Array("Subject: out\r\n\r\nbody\r\n".utf8), mailFrom: try EmailAddress("a@example.test"),
            recipients: [QueuedRecipient(address: try EmailAddress("x@elsewhere.test"))]))
        try await store.recordOutcome(.deferred(reply: "451 4.7.0 greylisted", nextAttempt: Date().addingTimeInterval(3600)),
                                      message: id, recipient: try EmailAddress("x@elsewhere.test"))
        try await store.close()
        let list = try await hato("queue", "list").stdout
        #expect(list.contains("a@example.test") && list.contains("x@elsewhere.test") && list.contains("deferred")
                && list.contains("451 4.7.0 greylisted"), "\(list)")
        let show = try await hato("queue", "show", "\(id)").stdout
        #expect(show.contains("last reply: 451 4.7.0 greylisted"), "\(show)")
        #expect(try await hato("queue", "retry", "\(id)").status == 0)
        #expect(try await hato("queue", "flush").status == 0)
        #expect(try await hato("queue", "show", "999").stderr.contains("no queued message 999"))
        #expect(try await hato("queue", "delete", "\(id)").status == 0)
        #expect(try await hato("queue", "list").stdout == "ID  FROM  TO  STATE  ATTEMPTS  NEXT-ATTEMPT  BYTES  LAST-REPLY\n")
        #expect(try await hato("queue", "delete", "abc").stderr.contains("not a queue ID"))
    }
}
