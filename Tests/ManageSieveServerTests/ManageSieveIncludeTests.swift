import Foundation
import HatoTesting
import MailCore
import MailStore
import MailStoreSQLite
import ManageSieveServer
import SieveProtocol
import Testing

/// RFC 6609 include through ManageSieve, as Pigeonhole answers it: PUTSCRIPT and CHECKSCRIPT accept
/// a script whose included script is missing with OK (WARNINGS) (RFC 5804 §1.3), SETACTIVE
/// refuses it until the script is there, recursion and an included script's errors are NO.
@Suite struct ManageSieveIncludeTests {
    typealias D = ManageSieveDialogTests

    @Test func includeChecksPerCommand() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-managesieve-include")
        let store = try SQLiteMailStore(directory: directory.url)
        try await store.addDomain(try Domain("example.test"))
        let account = try await store.addAccount(
            try EmailAddress("alice@example.test"), credentials: try Account.deriveCredentials(password: "pw pw pw", iterations: 4096),
            quota: .unlimited)
        let global = directory.url.appendingPathComponent("global")
        try FileManager.default.createDirectory(at: global, withIntermediateDirectories: true)
        try Data(#"require "fileinto"; fileinto "Site";"#.utf8).write(to: global.appendingPathComponent("site.sieve"))
        try Data("require \"fileinto\";\nfileinto;".utf8).write(to: global.appendingPathComponent("broken.sieve"))
        var configuration = ManageSieveConfiguration(hostname: "mail.example.test")
        configuration.scramIterations = 4096
        configuration.globalDirectory = global.path
        let session = try await ChannelDialog(ManageSieveServer(configuration: configuration, store: store, scripts: store))
        _ = try await D.response(session)
        let exchanges: [(command: String, reply: String)] = [
            (D.login, "OK"),
            (D.put("main", "require \"include\";\r\ninclude \"lists\"; include :optional \"later\";\r\n"),
             "OK (WARNINGS) \"line 2: included personal script 'lists' does not exist, ignored during upload\""),
            ("SETACTIVE \"main\"\r\n", "NO \"line 2, column 1: included personal script 'lists' does not exist\""),
            ("CHECKSCRIPT \"require \\\"include\\\"; include :optional \\\"x\\\";\"\r\n", "OK \"Script is valid\""),
            ("CHECKSCRIPT \"require \\\"include\\\"; include :global \\\"site\\\";\"\r\n", "OK \"Script is valid\""),
            ("CHECKSCRIPT \"require \\\"include\\\"; include :global \\\"broken\\\";\"\r\n",
             "NO \"in global script 'broken': line 2, column 1: fileinto takes 1 argument, not 0\""),
            ("PUTSCRIPT \"lists\" \"keep;\"\r\n", "OK \"PUTSCRIPT completed\""),
            ("SETACTIVE \"main\"\r\n", "OK \"SETACTIVE completed\""),
            ("PUTSCRIPT \"lists\" \"require \\\"include\\\"; include \\\"main\\\";\"\r\n",
             "NO \"in personal script 'main': line 2, column 1: include of personal script 'lists' is recursive (a script may not include itself, RFC 6609 §3.2)\""),
            ("LOGOUT\r\n", "OK"),
        ]
        for (command, reply) in exchanges {
            try await session.send(command)
            let lines = try await D.response(session)
            #expect(lines.last?.hasPrefix(reply) == true, "\(command) -> \(lines)")
        }
        #expect(try await store.activeSieveScript(of: account.id)?.name == "main")
        #expect(try await store.sieveScript(of: account.id, named: "lists")?.source == "keep;", "the recursive upload was refused")
        try await store.close()
    }
}
