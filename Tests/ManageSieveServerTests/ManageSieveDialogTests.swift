import Foundation
import HatoTesting
import MailCore
import MailStore
import MailStoreSQLite
import ManageSieveServer
import NIOCore
import SieveProtocol
import Testing

/// The ManageSieve session without a socket (HatoTesting's `ChannelDialog`) on a real SQLite
/// store: every command, its response codes (RFC 5804 §1.3), the same transcript whether the
/// client's bytes arrive whole or one per read, and garbage answered with NO, not a hang.
@Suite struct ManageSieveDialogTests {
    struct Fixture {
        let directory: TemporaryDirectory
        let store: SQLiteMailStore
        let account: Account
        let server: ManageSieveServer

        init(maxScripts: Int = 3, maxScriptSize: Int = 2048) async throws {
            directory = try TemporaryDirectory(prefix: "hato-managesieve")
            store = try SQLiteMailStore(directory: directory.url)
            try await store.addDomain(try Domain("example.test"))
            account = try await store.addAccount(
                try EmailAddress("alice@example.test"), credentials: try Account.deriveCredentials(password: "pw pw pw", iterations: 4096),
                quota: .unlimited)
            var limits = SieveLimits()
            limits.maxScriptSize = maxScriptSize
            var configuration = ManageSieveConfiguration(hostname: "mail.example.test", limits: limits, maxScripts: maxScripts)
            configuration.scramIterations = 4096
            server = ManageSieveServer(configuration: configuration, store: store, scripts: store)
        }
    }

    /// AUTHENTICATE "PLAIN" with alice's credentials as the initial response.
    static let login = "AUTHENTICATE \"PLAIN\" \"\(Data("\0alice@example.test\0pw pw pw".utf8).base64EncodedString())\"\r\n"

    /// The lines of one response: up to the first OK, NO or BYE line.
    static func response(_ session: ChannelDialog) async throws -> [String] {
        try await session.until { $0.hasPrefix("OK") || $0.hasPrefix("NO") || $0.hasPrefix("BYE") }
    }

    static let mainScript = "require \"fileinto\";\r\nfileinto \"A\";\r\n"

    /// PUTSCRIPT with the script as a non-synchronizing literal.
    static func put(_ name: String, _ script: String) -> String {
        "PUTSCRIPT \"\(name)\" {\(script.utf8.count)+}\r\n\(script)\r\n"
    }

    static let commands = [
        "LISTSCRIPTS\r\n",
        login,
        put("broken", "require \"fileinto\";\r\nfileinto;\r\n"),
        put("main", mainScript),
        "PUTSCRIPT \"second\" \"keep;\"\r\n",
        "LISTSCRIPTS\r\n",
        "SETACTIVE \"main\"\r\n",
        "DELETESCRIPT \"main\"\r\n",
        "GETSCRIPT \"main\"\r\n",
        "GETSCRIPT \"missing\"\r\n",
        "RENAMESCRIPT \"second\" \"main\"\r\n",
        "RENAMESCRIPT \"second\" \"請求書\"\r\n",
        "HAVESPACE \"new\" 4096\r\n",
        "PUTSCRIPT \"third\" \"keep;\"\r\n",
        "HAVESPACE \"fourth\" 10\r\n",
        "CHECKSCRIPT \"stop;\"\r\n",
        "NOOP \"sync-1\"\r\n",
        "SETACTIVE \"\"\r\n",
        "DELETESCRIPT \"main\"\r\n",
        "UNAUTHENTICATE\r\n",
        "GETSCRIPT \"請求書\"\r\n",
        "LOGOUT\r\n",
    ]

    static func run(_ feed: (ChannelDialog, String) async throws -> Void) async throws -> (transcript: [String], active: String?) {
        let fixture = try await Fixture()
        let session = try await ChannelDialog(fixture.server)
        var out = try await response(session)
        for command in commands {
            try await feed(session, command)
            out += try await response(session)
        }
        #expect(await session.isClosed)
        let active = try await fixture.store.activeSieveScript(of: fixture.account.id)?.name
        let names = try await fixture.store.sieveScripts(of: fixture.account.id).map(\.name)
        try await fixture.store.close()
        return (out + ["stored: " + names.joined(separator: ",")], active)
    }

    @Test func everyCommandWholeAndOneBytePerRead() async throws {
        let whole = try await Self.run { try await $0.send($1) }
        let dripped = try await Self.run { try await $0.drip($1) }
        #expect(whole.transcript == dripped.transcript)
        let lines = whole.transcript
        // The greeting is the capability response (RFC 5804 §1.7).
        #expect(lines.contains("\"IMPLEMENTATION\" \"Hato\""))
        #expect(lines.contains("\"VERSION\" \"1.0\""))
        #expect(lines.contains("\"MAXREDIRECTS\" \"4\""))
        let sieve = try #require(lines.first { $0.hasPrefix("\"SIEVE\"") })
        #expect(sieve == "\"SIEVE\" \"" + SieveProgram.supportedExtensions.joined(separator: " ") + "\"")
        #expect(sieve.contains("fileinto") && sieve.contains("vacation") && sieve.contains("include") && sieve.contains("regex"))
        #expect(lines.contains { $0.hasPrefix("\"SASL\" \"") && $0.contains("PLAIN") }, "PLAIN from loopback")
        #expect(!lines.contains("\"STARTTLS\""), "no TLS configured on this connection")
        let replies = lines.filter { $0.hasPrefix("OK") || $0.hasPrefix("NO") || $0.hasPrefix("BYE") }
        #expect(replies == [
            "OK \"Hato ManageSieve ready\"",
            "NO \"Authenticate first\"",
            "OK \"Logged in\"",
            "NO \"line 2, column 1: fileinto takes 1 argument, not 0\"",
            "OK \"PUTSCRIPT completed\"",
            "OK \"PUTSCRIPT completed\"",
            "OK \"LISTSCRIPTS completed\"",
            "OK \"SETACTIVE completed\"",
            "NO (ACTIVE) \"Script \\\"main\\\" is active; deactivate it first\"",
            "OK \"GETSCRIPT completed\"",
            "NO (NONEXISTENT) \"There is no script named \\\"missing\\\"\"",
            "NO (ALREADYEXISTS) \"A script named \\\"main\\\" already exists\"",
            "OK \"RENAMESCRIPT completed\"",
            "NO (QUOTA/MAXSIZE) \"Script exceeds the maximum size of 2048 octets\"",
            "OK \"PUTSCRIPT completed\"",
            "NO (QUOTA/MAXSCRIPTS) \"At most 3 scripts per account\"",
            "OK \"Script is valid\"",
            "OK (TAG \"sync-1\") \"NOOP completed\"",
            "OK \"No script is active now\"",
            "OK \"DELETESCRIPT completed\"",
            "OK \"UNAUTHENTICATE completed\"",
            "NO \"Authenticate first\"",
            "OK \"Logout completed\"",
        ], "\(lines)")
        // LISTSCRIPTS before SETACTIVE; GETSCRIPT's literal.
        #expect(lines.contains("\"main\"") && lines.contains("\"second\""))
        #expect(lines.contains("{\(Self.mainScript.utf8.count)}") && lines.contains("fileinto \"A\";"))
        #expect(!lines.contains { $0.hasPrefix("\"OWNER\"") }, "OWNER only in a capability response after login")
        #expect(lines.last == "stored: third,請求書")
        #expect(whole.active == nil)
    }

    @Test func garbageGetsPreciseNoAndTheSessionGoesOn() async throws {
        let fixture = try await Fixture()
        let session = try await ChannelDialog(fixture.server)
        _ = try await Self.response(session)
        var replies: [String] = []
        for junk in ["\u{1B}[2J\u{0}\u{7F}\r\n", "FROB \"x\"\r\n", String(repeating: "A", count: 5000) + "\r\n",
                     "AUTHENTICATE \"PLAIN\" {9000+}\r\n" + String(repeating: "x", count: 9000) + "\r\n",
                     "PUTSCRIPT \"x\r\n", "\r\n", "AUTHENTICATE \"NOPE\"\r\n", "AUTHENTICATE \"PLAIN\" \"!!\"\r\n",
                     Self.login, "PUTSCRIPT \"big\" {4000+}\r\n" + String(repeating: "#", count: 4000) + "\r\n",
                     "PUTSCRIPT \"bad\u{7}name\" \"keep;\"\r\n", "CAPABILITY\r\n"] {
            try await session.send(junk)
            replies.append(try await Self.response(session).last!)
        }
        #expect(replies == [
            "NO \"Invalid character in command\"",
            "NO \"Unknown command FROB\"",
            "NO \"Line too long\"",
            "NO \"Literal exceeds 4096 octets\"",
            "NO \"Unterminated quoted string\"",
            "NO \"Empty command\"",
            "NO \"Unsupported authentication mechanism\"",
            "NO \"Invalid base64 data\"",
            "OK \"Logged in\"",
            "NO (QUOTA/MAXSIZE) \"Script exceeds the maximum size of 2048 octets\"",
            "NO \"Script name contains a control character, a line separator or \\\"/\\\"\"",
            "OK",
        ])
        #expect(session.transcript.contains("\"OWNER\" \"alice@example.test\""))
        try await session.send("GETSCRIPT {99999999999+}\r\n")
        #expect(try await session.line() == "BYE \"Literal larger than 4294967295 octets\"")
        #expect(await session.isClosed)
        try await fixture.store.close()
    }

    @Test func plaintextNeedsTLSAwayFromLoopback() async throws {
        let fixture = try await Fixture()
        let session = try await ChannelDialog(fixture.server, remoteIP: "198.51.100.7")
        let greeting = try await Self.response(session)
        #expect(greeting.contains("\"SASL\" \"\""), "nothing that sends a password in clear: \(greeting)")
        try await session.send(Self.login)
        #expect(try await session.line() == "NO (ENCRYPT-NEEDED) \"Use STARTTLS before authenticating with this mechanism\"")
        try await session.send("STARTTLS\r\n")
        #expect(try await session.line() == "NO \"TLS is not available\"")
        try await fixture.store.close()
    }

    @Test func wrongPasswordsAreRefusedAndTheLoginDeadlineEndsTheSession() async throws {
        let fixture = try await Fixture()
        let session = try await ChannelDialog(fixture.server)
        _ = try await Self.response(session)
        let wrong = Data("\0alice@example.test\0wrong".utf8).base64EncodedString()
        try await session.send("AUTHENTICATE \"PLAIN\"\r\n")
        #expect(try await session.line() == "\"\"", "an empty challenge asks for the PLAIN response")
        try await session.send("{\(wrong.utf8.count)+}\r\n\(wrong)\r\n")
        #expect(try await session.line() == "NO \"Authentication failed\"")
        await session.advanceTime(by: .seconds(61))
        #expect(try await session.line() == "BYE \"Login took too long\"")
        #expect(await session.isClosed)
        try await fixture.store.close()
    }
}
