// What the risk stage reads from the store for every inbound message, kept between messages:
// every local user's display name and each recipient account's correspondents. Read afresh for
// each message, 1,000 users and 500 correspondents made a message cost 38 M instructions instead
// of 4.5 M (docs/PERFORMANCE.md, issue 24). The stage's own records update the kept lists as
// the store applies them; what changes elsewhere (an account removed with `hato account remove`,
// another node's records on PostgreSQL) is seen once a list's lifetime runs out
// (`risk.correspondents_cache`).

import MailCore
import MailStore
import RiskAssessment
import Synchronization

/// The risk context's lists from the store, kept for a short lifetime.
final class RiskMemory: Sendable {
    /// Accounts whose correspondents are kept at most, and correspondents in all (about 100
    /// bytes each); past either, lists out of date are dropped, then all if that is not enough.
    static let maxAccounts = 4096
    static let maxCorrespondents = 200_000

    struct Kept<Value: Sendable>: Sendable {
        var value: Value
        var until: ContinuousClock.Instant
    }

    struct Lists: Sendable {
        var localUsers: Kept<[KnownPerson]>?
        var correspondents: [AccountID: Kept<[KnownCorrespondent]>] = [:]
        /// Counts the stage's records: a read that started before one is not kept (it may miss it).
        var records = 0
    }

    /// How long a list read from the store is used; zero keeps nothing.
    let lifetime: Duration
    private let lists = Mutex(Lists())

    init(lifetime: Duration) {
        self.lifetime = lifetime
    }

    /// Every local user's name as they send it: the kept list, or `read`'s.
    func localUsers(_ read: () async throws -> [KnownPerson]) async throws -> [KnownPerson] {
        let now = ContinuousClock.now
        let (kept, records) = lists.withLock { ($0.localUsers, $0.records) }
        if let kept, kept.until > now { return kept.value }
        let people = try await read()
        guard lifetime > .zero else { return people }
        lists.withLock { lists in
            guard lists.records == records else { return }
            lists.localUsers = Kept(value: people, until: now + lifetime)
        }
        return people
    }

    /// `account`'s correspondents, most messages first: the kept list, or `read`'s.
    func correspondents(of account: AccountID,
                        _ read: () async throws -> [KnownCorrespondent]) async throws -> [KnownCorrespondent] {
        let now = ContinuousClock.now
        let (kept, records) = lists.withLock { ($0.correspondents[account], $0.records) }
        if let kept, kept.until > now { return kept.value }
        let known = try await read()
        guard lifetime > .zero else { return known }
        lists.withLock { lists in
            guard lists.records == records else { return }
            lists.correspondents[account] = nil
            func full() -> Bool {
                lists.correspondents.count >= Self.maxAccounts
                    || lists.correspondents.values.reduce(known.count) { $0 + $1.value.count } > Self.maxCorrespondents
            }
            if full() {
                lists.correspondents = lists.correspondents.filter { $0.value.until > now }
                if full() { lists.correspondents.removeAll() }
            }
            lists.correspondents[account] = Kept(value: known, until: now + lifetime)
        }
        return known
    }

    /// Applies what the stage has just recorded (`RiskStore.recordCorrespondence`) to the kept
    /// lists the way the store applied it; a list it cannot bring up to date is dropped.
    /// `limit`: the length the correspondents lists were read with.
    func recorded(_ exchanges: [Correspondence], limit: Int) {
        lists.withLock { lists in
            lists.records &+= 1
            for exchange in exchanges {
                switch exchange.direction {
                case .own:
                    // A new or changed name: read the list again (it is in account order).
                    guard let name = exchange.displayName, let users = lists.localUsers?.value else { continue }
                    let address = exchange.address.canonical
                    if !users.contains(where: { $0.name == name && $0.address.lowercased() == address }) { lists.localUsers = nil }
                case .sent, .received:
                    guard var kept = lists.correspondents[exchange.account] else { continue }
                    if Self.count(exchange, in: &kept.value, limit: limit) {
                        lists.correspondents[exchange.account] = kept
                    } else {
                        lists.correspondents[exchange.account] = nil
                    }
                }
            }
        }
    }

    /// One more message with `exchange.address`, keeping the store's order (messages, then the
    /// latest first). False when the list cannot tell where it goes: an address not in a list
    /// that is full may belong to the rows beyond it.
    static func count(_ exchange: Correspondence, in list: inout [KnownCorrespondent], limit: Int) -> Bool {
        let address = exchange.address.canonical
        var index: Int
        if let found = list.firstIndex(where: { $0.address == address }) {
            index = found
            list[index].messages += 1
            if let name = exchange.displayName { list[index].name = name }
        } else {
            guard list.count < limit else { return false }
            index = list.count
            list.append(KnownCorrespondent(address: address, name: exchange.displayName, messages: 1))
        }
        while index > 0, list[index - 1].messages <= list[index].messages {
            list.swapAt(index - 1, index)
            index -= 1
        }
        return true
    }
}
