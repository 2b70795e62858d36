import Foundation
import Synchronization

/// In-process fan-out of mailbox changes to every session watching a mailbox. Stores publish after
/// their commit, so a listener never hears of a change that could still roll back.
public final class ChangeFeed: Sendable {
    private struct Subscribers {
        var next = 0
        var byMailbox: [MailboxID: [Int: AsyncStream<MailboxChange>.Continuation]] = [:]
        /// Changes published per mailbox since the process started (one entry per mailbox changed).
        var published: [MailboxID: UInt64] = [:]
    }
    private let state = Mutex(Subscribers())
    /// Per-subscriber buffer: a session that stops reading loses the oldest events beyond this
    /// rather than growing memory without bound; it then re-reads the mailbox state.
    public let bufferLimit: Int
    /// The account-level feed (mailbox names, subscriptions, METADATA; IMAP NOTIFY) beside it.
    public let accounts = AccountChangeFeed()

    public init(bufferLimit: Int = 10_000) { self.bufferLimit = bufferLimit }

    public func subscribe(_ mailbox: MailboxID) -> AsyncStream<MailboxChange> {
        let (stream, continuation) = AsyncStream.makeStream(of: MailboxChange.self, bufferingPolicy: .bufferingNewest(bufferLimit))
        let id = state.withLock { state in
            state.next += 1
            state.byMailbox[mailbox, default: [:]][state.next] = continuation
            return state.next
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { state in
                state.byMailbox[mailbox]?[id] = nil
                if state.byMailbox[mailbox]?.isEmpty == true { state.byMailbox[mailbox] = nil }
            }
        }
        return stream
    }

    public func publish(_ changes: [MailboxChange], in mailbox: MailboxID) {
        guard !changes.isEmpty else { return }
        let continuations = state.withLock { state in
            state.published[mailbox, default: 0] += UInt64(changes.count)
            return Array((state.byMailbox[mailbox] ?? [:]).values)
        }
        for continuation in continuations {
            for change in changes { continuation.yield(change) }
        }
    }

    /// Tells watchers that the mailbox is gone and ends their streams.
    public func finish(_ mailbox: MailboxID) {
        let continuations = state.withLock { state in
            defer { state.byMailbox[mailbox] = nil }
            state.published[mailbox, default: 0] += 1
            return Array((state.byMailbox[mailbox] ?? [:]).values)
        }
        for continuation in continuations {
            continuation.yield(.mailboxRemoved)
            continuation.finish()
        }
    }

    /// How many changes were published for the mailbox so far (each `.mailboxRemoved` counts
    /// one). A watcher that counted this before subscribing and has heard fewer since has
    /// changes still on their way to it (IMAP answers FETCH FLAGS from its view only when none are).
    public func published(_ mailbox: MailboxID) -> UInt64 {
        state.withLock { $0.published[mailbox] ?? 0 }
    }

    public var subscriberCount: Int { state.withLock { $0.byMailbox.values.reduce(0) { $0 + $1.count } } }
}
