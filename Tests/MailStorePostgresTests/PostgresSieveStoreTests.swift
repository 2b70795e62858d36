import Foundation
import HatoTesting
import MailCore
import MailStore
import MailStorePostgres
import Testing

/// SieveStore on PostgreSQL: scripts per account, one active, vacation replies once per period.
@Suite struct PostgresSieveStoreTests {
    @Test func scriptsAndVacationReplies() async throws {
        guard let test = try await testDatabase() else { return }
        let (cluster, database) = test
        let store = openStore(cluster, database)
        try await store.addDomain(try Domain("example.test"))
        let account = try await store.addAccount(try EmailAddress("dave@example.test"), credentials: [], quota: .unlimited)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try await store.putSieveScript(of: account.id, name: "b", source: "keep;", at: now)
        try await store.putSieveScript(of: account.id, name: "a", source: "discard;", at: now)
        try await store.activateSieveScript(of: account.id, named: "b")
        try await store.putSieveScript(of: account.id, name: "b", source: "stop;", at: now.addingTimeInterval(5))
        let scripts = try await store.sieveScripts(of: account.id)
        #expect(scripts.map(\.name) == ["a", "b"])
        #expect(try await store.activeSieveScript(of: account.id) == SieveScript(name: "b", source: "stop;", active: true,
                                                                                 updatedAt: now.addingTimeInterval(5)),
                "replacing the source keeps the script active")
        try await store.activateSieveScript(of: account.id, named: "a")
        #expect(try await store.activeSieveScript(of: account.id)?.name == "a", "one active script at a time")
        await #expect(throws: SieveScriptNotFound(name: "zz")) { try await store.activateSieveScript(of: account.id, named: "zz") }
        try await store.activateSieveScript(of: account.id, named: nil)
        #expect(try await store.activeSieveScript(of: account.id) == nil)
        #expect(try await store.deleteSieveScript(of: account.id, named: "a"))
        #expect(try await !store.deleteSieveScript(of: account.id, named: "a"))

        let day: TimeInterval = 86_400
        #expect(try await store.claimVacationReply(account: account.id, sender: "X@Example.test", handle: "h", at: now, notBefore: now - 7 * day))
        #expect(try await !store.claimVacationReply(account: account.id, sender: "x@example.test", handle: "h", at: now + day,
                                                    notBefore: now + day - 7 * day), "one reply per sender and handle per period")
        #expect(try await store.claimVacationReply(account: account.id, sender: "x@example.test", handle: "other", at: now + day,
                                                   notBefore: now + day - 7 * day), "another handle is another reply")
        #expect(try await store.claimVacationReply(account: account.id, sender: "x@example.test", handle: "h", at: now + 8 * day,
                                                   notBefore: now + day), "after the period a new reply")
        try await store.close()
    }
}
