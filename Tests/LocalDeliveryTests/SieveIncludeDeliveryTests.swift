import Foundation
import HatoTesting
import LocalDelivery
import MailCore
import MailStore
import MailStoreSQLite
import SieveProtocol
import Testing

/// RFC 6609 include at delivery, on the SQLite store: personal scripts from the store, global ones
/// from `global_dir`, and an included script edited between two messages counts from the next one
/// (compiled programs are cached by text, so the change is never hidden by the cache).
@Suite struct SieveIncludeDeliveryTests {
    @Test func includedScriptsAndTheirChanges() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-sieve-include")
        let global = directory.url.appendingPathComponent("global")
        try FileManager.default.createDirectory(at: global, withIntermediateDirectories: true)
        try Data(#"require ["fileinto", "imap4flags"]; addflag "$Site";"#.utf8).write(to: global.appendingPathComponent("site.sieve"))
        let store = try SQLiteMailStore(directory: directory.url.appendingPathComponent("store"))
        try await store.addDomain(try Domain("example.test"))
        let bob = try await store.addAccount(try EmailAddress("bob@example.test"), credentials: [], quota: .unlimited)
        try await store.putSieveScript(of: bob.id, name: "main", source: #"""
            require ["include", "fileinto", "mailbox"];
            include :global "site";
            include "rules";
            """#, at: Date())
        try await store.putSieveScript(of: bob.id, name: "rules", source: #"require ["fileinto", "mailbox"]; fileinto :create "請求書";"#, at: Date())
        try await store.activateSieveScript(of: bob.id, named: "main")
        var settings = SieveDeliverySettings()
        settings.globalDirectory = global.path
        let delivery = LocalDelivery(store: store, sieve: SieveFilter(store: store, settings: settings))
        func deliver() async throws {
            let address = try EmailAddress("bob@example.test")
            _ = await delivery.deliver(DeliveryRequest(
                mailFrom: try EmailAddress("alice@remote.test"),
                recipients: [AcceptedRecipient(address: address, resolution: try await store.resolveRecipient(address))],
                traceHeaders: "", message: Array("From: alice@remote.test\r\nTo: bob@example.test\r\nSubject: x\r\n\r\nx\r\n".utf8)))
        }
        func count(_ name: String) async throws -> Int {
            guard let box = try await store.mailbox(of: bob.id, named: name) else { return 0 }
            return try await store.messages(in: box.id).count
        }
        try await deliver()
        let filed = try #require(try await store.mailbox(of: bob.id, named: "請求書"))
        let first = try await store.messages(in: filed.id)
        #expect(first.count == 1 && first.first?.flags.keywords == ["$Site"], "the global script's flag, the personal script's mailbox")
        // The included script changes (as a ManageSieve PUTSCRIPT would): the next message follows it.
        try await store.putSieveScript(of: bob.id, name: "rules", source: #"require ["fileinto", "mailbox"]; fileinto :create "Archive";"#, at: Date())
        try await deliver()
        #expect(try await count("Archive") == 1)
        #expect(try await count("請求書") == 1)
        // An included script that disappears fails the run: the message is kept in INBOX.
        _ = try await store.deleteSieveScript(of: bob.id, named: "rules")
        try await deliver()
        #expect(try await count("INBOX") == 1)
        try await store.close()
    }
}
