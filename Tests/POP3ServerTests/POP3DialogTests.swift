import Foundation
import HatoTesting
import MailCore
import MailStore
import MailStoreSQLite
import POP3Server
import Testing

/// The POP3 session without a socket (HatoTesting's `ChannelDialog`): the same transcript
/// whether commands arrive whole or one byte per read (RFC 1939 §3).
@Suite struct POP3DialogTests {
    static func run(_ feed: (ChannelDialog, String) async throws -> Void) async throws -> [String] {
        let directory = try TemporaryDirectory(prefix: "hato-pop3-dialog")
        let store = try SQLiteMailStore(directory: directory.url)
        try await store.addDomain(try Domain("example.test"))
        let account = try await store.addAccount(
            try EmailAddress("alice@example.test"), credentials: try Account.deriveCredentials(password: "pw pw pw", iterations: 4096),
            quota: .unlimited)
        let inbox = try #require(try await store.mailbox(of: account.id, named: "INBOX"))
        _ = try await store.append(AppendRequest(bytes: Array("Subject: one\r\n\r\n.leading dot\r\n".utf8)), to: inbox.id)
        let session = try await ChannelDialog(POP3Server(configuration: POP3Configuration(hostname: "mail.example.test"), store: store))
        var out = [try await session.line()]
        for (command, multiline) in [("USER alice@example.test\r\n", false), ("PASS pw pw pw\r\n", false), ("STAT\r\n", false),
                                     ("RETR 1\r\n", true), ("DELE 1\r\n", false), ("QUIT\r\n", false)] {
            try await feed(session, command)
            out += multiline ? try await session.until { $0 == "." } : [try await session.line()]
        }
        let left = try await store.messages(in: inbox.id).count
        try await store.close()
        return out + ["messages left: \(left)"]
    }

    @Test func theSameDialogWhateverTheReadBoundaries() async throws {
        let whole = try await Self.run { try await $0.send($1) }
        let bytes = try await Self.run { try await $0.drip($1) }
        #expect(whole == bytes)
        #expect(whole.map { String($0.prefix(3)) } == ["+OK", "+OK", "+OK", "+OK", "+OK", "Sub", "", "..l", ".", "+OK", "+OK", "mes"], "\(whole)")
        #expect(whole.last == "messages left: 0", "DELE took effect at QUIT (RFC 1939 §6)")
    }
}
