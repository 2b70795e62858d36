import Foundation
import HatoTesting
import IMAPProtocol
import IMAPServer
import MailCore
import MailStore
import MailStoreSQLite
import SASL
import Testing

/// A store with alice@example.test, an IMAP server over it and helpers to drive Python clients.
struct IMAPFixture {
    static let user = "alice@example.test"
    static let password = "correct horse battery"

    let directory: TemporaryDirectory
    let store: SQLiteMailStore
    let account: Account
    let inbox: Mailbox
    let server: IMAPServer

    static func make(messages: [String] = [], quota: Quota = .unlimited, loopbackIsSecure: Bool = true,
                     maxMessageSize: Int = 1024 * 1024, maxSessionsPerUser: Int = 50,
                     loginTimeout: Duration = .seconds(60), throttle: AuthThrottle = AuthThrottle(),
                     maxMailboxes: Int = 1_000, commandTimeout: Duration = .seconds(60),
                     limits baseLimits: IMAPLimits = IMAPLimits(), summarize: Bool = true,
                     maxCatenateURLs: Int = 100, metadataMaxEntries: Int = 1_000,
                     notifyMaxMailboxes: Int = 200, urlAuthMaxURLs: Int = 100) async throws -> IMAPFixture {
        let directory = try TemporaryDirectory(prefix: "hato-imap")
        // As `hato serve` builds it (HatoServer/StoreFactory.swift): every message gets its summary
        // at delivery, so FETCH and SEARCH here take the summary path.
        // `summarize: false`: a store of messages without summaries, read from their octets.
        let store = try SQLiteMailStore(directory: directory.url, options: .init(summarizer: summarize ? summarizer : nil))
        try await store.addDomain(try Domain("example.test"))
        let account = try await store.addAccount(
            try EmailAddress(user), credentials: try Account.deriveCredentials(password: password, iterations: 4096), quota: quota)
        let inbox = try #require(try await store.mailbox(of: account.id, named: "INBOX"))
        for text in messages { _ = try await store.append(AppendRequest(bytes: Array(text.utf8)), to: inbox.id) }
        var limits = baseLimits
        limits.maxLiteralSize = maxMessageSize
        var configuration = IMAPConfiguration(hostname: "mail.example.test", limits: limits, loginTimeout: loginTimeout,
                                              maxSessionsPerUser: maxSessionsPerUser, loopbackIsSecure: loopbackIsSecure,
                                              maxMailboxes: maxMailboxes, commandTimeout: commandTimeout)
        configuration.maxCatenateURLs = maxCatenateURLs
        configuration.metadataMaxEntries = metadataMaxEntries
        configuration.metadataMaxSize = 4096
        configuration.notifyMaxMailboxes = notifyMaxMailboxes
        configuration.urlAuthMaxURLs = urlAuthMaxURLs
        configuration.urlAuthMaxURLLength = 512
        return IMAPFixture(directory: directory, store: store, account: account, inbox: inbox,
                           server: IMAPServer(configuration: configuration, store: store, throttle: throttle))
    }

    /// Output with the RFC 8474 `[MAILBOXID (M...)] ` codes taken out: the IDs are UIDVALIDITYs,
    /// which differ from run to run.
    static func withoutMailboxIDs(_ output: String) -> String {
        output.replacing(#/\[MAILBOXID \(M[0-9]+\)\] /#, with: "")
    }

    static let summarizer: MessageSummarizer = { TestSummaries.summarize($0) }

    static let messages = [
        "From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: one\r\nDate: Mon, 2 Nov 2026 10:00:00 +0900\r\nMessage-ID: <1@example.test>\r\n\r\nfirst body\r\n",
        "From: Carol <carol@example.test>\r\nTo: alice@example.test\r\nSubject: two\r\nDate: Tue, 3 Nov 2026 10:00:00 +0900\r\n\r\nsecond body, about invoices\r\n",
        "From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: three\r\nDate: Wed, 4 Nov 2026 10:00:00 +0900\r\n\r\nthird body\r\n",
    ]
}

/// Python prelude for raw protocol checks: `c = Conn(port)`, `c.cmd("a1", "NOOP")` returns the
/// lines up to the tagged one, `c.send(raw)`, `c.line()`, `c.tls()` wraps the socket.
let rawClient = """
    import socket, ssl, sys, base64, time
    class Conn:
        def __init__(self, port, tls=False):
            self.s = socket.create_connection(("127.0.0.1", port), timeout=60)
            if tls: self.tls()
            self.f = self.s.makefile("rb")
        def tls(self):
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            self.s = ctx.wrap_socket(self.s); self.f = self.s.makefile("rb")
        def send(self, raw): self.s.sendall(raw.encode() if isinstance(raw, str) else raw)
        def line(self): return self.f.readline().decode("utf-8", "replace").rstrip("\\r\\n")
        def until(self, tag):
            out = []
            while True:
                l = self.line(); out.append(l)
                if l.startswith(tag + " ") or l == "": return out
        def cmd(self, tag, text): self.send(tag + " " + text + "\\r\\n"); return self.until(tag)

    """
