import Foundation
import MailStore

/// `RateCounterStore` against every implementation: the limit per scope and key, the sliding
/// window (the previous window weighted by its overlap), forgetting after two idle windows, and
/// no lost or doubled count when many checks race for the last slots. `make` gives a store with
/// no counts.
public struct RateCounterStoreConformance: Sendable {
    public typealias Make = @Sendable () async throws -> any RateCounterStore
    let make: Make

    public init(_ make: @escaping Make) { self.make = make }

    public static let checks: [(String, @Sendable (RateCounterStoreConformance) async throws -> Void)] = [
        ("limitPerScopeAndKey", { try await $0.limitPerScopeAndKey() }),
        ("slidingWindow", { try await $0.slidingWindow() }),
        ("racingChecks", { try await $0.racingChecks() }),
    ]

    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func admits(_ store: any RateCounterStore, _ scope: String, _ key: String, limit: Int, window: TimeInterval = 60,
                       at offset: TimeInterval, times: Int) async throws -> [Bool] {
        var results: [Bool] = []
        for _ in 0..<times {
            results.append(try await store.admitRate(scope: scope, key: key, limit: limit, cost: 1, window: window,
                                                     now: start.addingTimeInterval(offset)))
        }
        return results
    }

    /// Three of four admitted; another key and another scope count apart; a refused event is not counted.
    public func limitPerScopeAndKey() async throws {
        let store = try await make()
        try require(try await Self.admits(store, "connections", "192.0.2.0/24", limit: 3, at: 0, times: 4) == [true, true, true, false],
                    "three admitted, the fourth refused")
        try require(try await Self.admits(store, "connections", "198.51.100.0/24", limit: 3, at: 1, times: 1) == [true], "another key")
        try require(try await Self.admits(store, "messages", "192.0.2.0/24", limit: 3, at: 1, times: 1) == [true], "another scope")
        try require(try await Self.admits(store, "connections", "192.0.2.0/24", limit: 3, at: 2, times: 1) == [false], "still full")
    }

    /// After the window rolls, the previous window's three weigh by their overlap: half way into
    /// the next window they count 1.5, so one more fits under 3 and the second does not; after
    /// two idle windows the key starts afresh.
    public func slidingWindow() async throws {
        let store = try await make()
        _ = try await Self.admits(store, "messages", "k", limit: 3, at: 0, times: 3)
        try require(try await Self.admits(store, "messages", "k", limit: 3, at: 61, times: 1) == [false], "just after: 2.95 + 1 > 3")
        try require(try await Self.admits(store, "messages", "k", limit: 3, at: 90, times: 2) == [true, false], "half way: 1.5 + 1, then 2.5 + 1")
        try require(try await Self.admits(store, "messages", "k", limit: 3, at: 300, times: 4) == [true, true, true, false], "forgotten")
    }

    /// Twenty checks at once against a limit of five: exactly five admitted.
    public func racingChecks() async throws {
        let store = try await make()
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 {
                group.addTask { try await store.admitRate(scope: "recipients", key: "remote.example", limit: 5, cost: 1, window: 3600, now: Self.start) }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        try require(results.filter { $0 }.count == 5, "five of twenty admitted (\(results.filter { $0 }.count))")
    }
}
