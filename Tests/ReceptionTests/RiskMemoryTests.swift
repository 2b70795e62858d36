import Foundation
import MailCore
import MailStore
@testable import Reception
import RiskAssessment
import Testing

/// The risk stage's kept lists (issue 24): what the stage records shows at once, in the store's
/// order; what changes elsewhere shows when the lifetime runs out.
@Suite struct RiskMemoryTests {
    static let account = AccountID(1)

    static func known(_ entries: [(String, Int)]) -> [KnownCorrespondent] {
        entries.map { KnownCorrespondent(address: $0.0, messages: $0.1) }
    }

    static func exchange(_ address: String, _ direction: CorrespondenceDirection, name: String? = nil) throws -> Correspondence {
        Correspondence(account: account, address: try EmailAddress(address), displayName: name, direction: direction)
    }

    /// ORDER BY sent + received DESC, last_seen DESC: the address just counted goes before
    /// others with as many messages.
    @Test func aCountedAddressMovesUpAsTheStoreWouldOrderIt() throws {
        var list = Self.known([("a@x.test", 5), ("b@x.test", 3), ("c@x.test", 3), ("d@x.test", 1)])
        #expect(RiskMemory.count(try Self.exchange("C@x.test", .received, name: "Cee"), in: &list, limit: 10))
        #expect(list.map(\.address) == ["a@x.test", "c@x.test", "b@x.test", "d@x.test"])
        #expect(list[1].messages == 4 && list[1].name == "Cee")
        #expect(RiskMemory.count(try Self.exchange("new@y.test", .sent), in: &list, limit: 10))
        #expect(list.map(\.address) == ["a@x.test", "c@x.test", "b@x.test", "new@y.test", "d@x.test"])
        #expect(RiskMemory.count(try Self.exchange("b@x.test", .sent), in: &list, limit: 10))
        #expect(list.map(\.address) == ["a@x.test", "b@x.test", "c@x.test", "new@y.test", "d@x.test"], "4 ties with 4: latest first")
    }

    /// A full list is the store's first `limit` rows: an address not in it may be a row beyond
    /// it, so the list cannot be brought up to date and is read again.
    @Test func aFullListThatLacksTheAddressIsReadAgain() async throws {
        let memory = RiskMemory(lifetime: .seconds(3600))
        var reads = 0
        let read = { reads += 1; return Self.known([("a@x.test", 2), ("b@x.test", 1)]) }
        _ = try await memory.correspondents(of: Self.account, read)
        memory.recorded([try Self.exchange("a@x.test", .received)], limit: 2)
        #expect(try await memory.correspondents(of: Self.account, read).map(\.messages) == [3, 1])
        #expect(reads == 1)
        memory.recorded([try Self.exchange("c@x.test", .sent)], limit: 2)
        _ = try await memory.correspondents(of: Self.account, read)
        #expect(reads == 2)
    }

    /// A new own name (or a changed one) is read again; the same name again keeps the list.
    @Test func ownNamesAreReadAgainWhenOneChanges() async throws {
        let memory = RiskMemory(lifetime: .seconds(3600))
        var reads = 0
        var stored = [KnownPerson(name: "Yamada Taro", address: "taro@example.test")]
        let read = { reads += 1; return stored }
        _ = try await memory.localUsers(read)
        memory.recorded([try Self.exchange("Taro@example.test", .own, name: "Yamada Taro")], limit: 10)
        _ = try await memory.localUsers(read)
        #expect(reads == 1)
        stored = [KnownPerson(name: "山田 太郎", address: "taro@example.test")]
        memory.recorded([try Self.exchange("taro@example.test", .own, name: "山田 太郎")], limit: 10)
        #expect(try await memory.localUsers(read) == stored)
        #expect(reads == 2)
    }

    /// A read that began before a record may not hold it: it is used once, not kept.
    @Test func aReadOverlappingARecordIsNotKept() async throws {
        let memory = RiskMemory(lifetime: .seconds(3600))
        var reads = 0
        let stale = try await memory.correspondents(of: Self.account) {
            reads += 1
            memory.recorded([try Self.exchange("a@x.test", .sent)], limit: 10)  // lands while the read is on its way
            return Self.known([])
        }
        #expect(stale.isEmpty)
        let next = try await memory.correspondents(of: Self.account) { reads += 1; return Self.known([("a@x.test", 1)]) }
        #expect(next.map(\.address) == ["a@x.test"] && reads == 2)
    }

    /// The kept lists are bounded in all: a list that would pass the bound drops the others.
    @Test func keptCorrespondentsAreBounded() async throws {
        let memory = RiskMemory(lifetime: .seconds(3600))
        let big = Array(repeating: KnownCorrespondent(address: "a@x.test", messages: 1), count: RiskMemory.maxCorrespondents / 2)
        var reads: [AccountID: Int] = [:]
        func read(_ id: Int64) async throws {
            _ = try await memory.correspondents(of: AccountID(id)) { reads[AccountID(id), default: 0] += 1; return big }
        }
        try await read(1)
        try await read(2)
        try await read(1)
        try await read(2)
        #expect(reads == [AccountID(1): 1, AccountID(2): 1], "both fit")
        try await read(3)  // a third would pass the bound
        try await read(3)
        try await read(1)
        #expect(reads == [AccountID(1): 2, AccountID(2): 1, AccountID(3): 1])
    }

    /// Changes made elsewhere (another process, another node) show once the lifetime is over;
    /// with none, every message reads the store.
    @Test func changesElsewhereShowWhenTheLifetimeRunsOut() async throws {
        let memory = RiskMemory(lifetime: .milliseconds(50))
        var stored = Self.known([("a@x.test", 1)])
        let read = { stored }
        #expect(try await memory.correspondents(of: Self.account, read).count == 1)
        stored = Self.known([("a@x.test", 1), ("b@x.test", 1)])
        try await Task.sleep(for: .milliseconds(120))
        #expect(try await memory.correspondents(of: Self.account, read).count == 2)

        let none = RiskMemory(lifetime: .zero)
        var reads = 0
        for _ in 0..<3 { _ = try await none.localUsers { reads += 1; return [] } }
        #expect(reads == 3)
    }
}
