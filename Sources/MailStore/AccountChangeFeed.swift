import Foundation
import Synchronization

/// In-process fan-out of account-level changes (`MailboxListChange`) to every session watching
/// the account (IMAP NOTIFY). Like `ChangeFeed`, stores publish after their commit; PostgreSQL
/// stores publish what their change listener hears, so other nodes' changes arrive too.
public final class AccountChangeFeed: Sendable {
    private struct Subscribers {
        var next = 0
        var byAccount: [AccountID: [Int: AsyncStream<MailboxListChange>.Continuation]] = [:]
    }
    private let state = Mutex(Subscribers())
    /// Per-subscriber buffer: a session that stops reading loses the oldest changes beyond this.
    public let bufferLimit: Int

    public init(bufferLimit: Int = 1_000) { self.bufferLimit = bufferLimit }

    public func subscribe(_ account: AccountID) -> AsyncStream<MailboxListChange> {
        let (stream, continuation) = AsyncStream.makeStream(of: MailboxListChange.self,
                                                            bufferingPolicy: .bufferingNewest(bufferLimit))
        let id = state.withLock { state in
            state.next += 1
            state.byAccount[account, default: [:]][state.next] = continuation
            return state.next
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { state in
                state.byAccount[account]?[id] = nil
                if state.byAccount[account]?.isEmpty == true { state.byAccount[account] = nil }
            }
        }
        return stream
    }

    public func publish(_ changes: [MailboxListChange], for account: AccountID) {
        guard !changes.isEmpty else { return }
        let continuations = state.withLock { Array(($0.byAccount[account] ?? [:]).values) }
        for continuation in continuations {
            for change in changes { continuation.yield(change) }
        }
    }

    public var subscriberCount: Int { state.withLock { $0.byAccount.values.reduce(0) { $0 + $1.count } } }
}
