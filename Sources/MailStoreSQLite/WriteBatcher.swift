import Foundation
import GRDB
import Logging
import MailStore

/// One body already written and fsynced, waiting for its metadata commit.
struct PendingAppend: Sendable {
    let body: BodyReference
    let size: Int64
    let summary: Data?
    let flags: MessageFlags
    let internalDate: Date
    let targets: [MailboxID]
    var claimsRecent = false
    /// The body itself when it is stored in the database with the rows (`InlineBodies`).
    var inlineBytes: [UInt8]? = nil
}

typealias AppendOutcome = [Result<AppendResult, MailStoreError>]

/// Group commit for the mailbox writes (appends, flag changes, expunges, copies, moves): writes
/// that arrive while a commit is running wait and go into the next transaction together, each in
/// its own savepoint, and share one flush of the write-ahead log (`LogFlusher`) and, for
/// appends, one fsync per body directory. A durable write is answered only after that flush, so
/// an acknowledged write is as durable as if it had committed alone with `synchronous = FULL`; a
/// write that fails rolls back its own savepoint and fails alone. With one writer nothing waits.
/// Under concurrency the flushes per write fall towards 1 ÷ the writers in flight
/// (docs/PERFORMANCE.md).
///
/// The transaction commits with `synchronous = NORMAL` (no flush inside COMMIT, where SQLite
/// holds its one write lock) and the log is flushed after it, while the next batch may already
/// commit: a flag change no longer waits behind another write's disk flush. The connection is
/// back at FULL after each batch, so writes outside the batcher flush inside their COMMIT.
///
/// Relaxed writes (`Job.durable == false`: flag changes and expunges unless `[store]
/// sync_mailbox_changes`) are answered right after COMMIT, before the flush. A killed process
/// loses none of them (the kernel holds the pages); a power failure may undo the last of them,
/// as with Dovecot's index updates, never a message; the next flush makes them durable too.
///
/// Hand-offs (issue 24): a write goes from the caller's task to one serial dispatch queue that
/// drains the batch, syncs body directories and runs GRDB's synchronous `write` inline (GRDB
/// runs a synchronous write on the calling thread), then resumes each caller: two hand-offs, where
/// the actor → drain task → blocking-I/O queue → GRDB writer queue → actor chain took five or six.
/// The drain queue is dedicated to these writes, so blocking it never stalls the cooperative pool.
final class WriteBatcher: @unchecked Sendable {
    /// One write: the body files whose directories must be synced before its rows may commit
    /// (a row must never point at a body a crash could lose), and its work in the transaction.
    struct Job: Sendable {
        let bodies: [BodyReference]
        /// false: the write may be acknowledged before the disk has it (see above).
        var durable = true
        let work: @Sendable (Database) throws -> any Sendable
        /// Told of the failure of a deferred write (`submitDeferred`), which nobody awaits.
        var onFailure: (@Sendable (any Error) -> Void)? = nil
    }
    typealias Outcome = Result<any Sendable, any Error>
    /// A write and who waits for it: nobody for a deferred write.
    typealias Entry = (job: Job, waiter: CheckedContinuation<Outcome, Never>?)

    private let pool: DatabasePool
    private let bodies: BodyFileStore
    private let queue = DispatchQueue(label: "hato.sqlite.group-commit", qos: .userInitiated)
    /// Guards `pending`, `draining`, `deferredDrainScheduled`, `commits` and `writes`.
    private let lock = NSLock()
    private var pending: [Entry] = []
    private var draining = false
    private var deferredDrainScheduled = false
    /// How long a deferred write may wait for a write someone awaits to share its transaction.
    let deferredDelay: DispatchTimeInterval
    /// Largest number of writes in one transaction; bounds commit latency under heavy load.
    let maxBatch: Int
    private var commitCount = 0
    private var writeCount = 0
    /// Transactions committed and writes they carried, for tests and diagnostics.
    var commits: Int { lock.withLock { commitCount } }
    var writes: Int { lock.withLock { writeCount } }

    /// Flushes the log after each batch with durable writes, and answers those.
    let flusher: LogFlusher

    init(pool: DatabasePool, bodies: BodyFileStore, maxBatch: Int = 256, deferredDelay: DispatchTimeInterval = .milliseconds(50)) {
        self.pool = pool
        self.bodies = bodies
        self.maxBatch = maxBatch
        self.deferredDelay = deferredDelay
        flusher = LogFlusher(database: pool.path)
    }

    func submit(_ job: Job) async -> Outcome {
        await withCheckedContinuation { continuation in
            let start = lock.withLock { () -> Bool in
                pending.append((job, continuation))
                if draining { return false }
                draining = true
                return true
            }
            if start { queue.async { self.drain() } }
        }
    }

    /// Queues a write nobody waits for (a record kept for reports, issue 24): it goes into the
    /// next transaction with the writes that come after it, and starts one itself only when none
    /// has come within `deferredDelay`. Writes are committed in the order they were submitted, so
    /// a durable write submitted after this one is answered only once this one is on disk too:
    /// the DMARC evaluation of a message is durable when the message is acknowledged, without a
    /// commit, a log flush and two thread hand-offs of its own. A failure goes to `onFailure`.
    func submitDeferred(_ job: Job) {
        let schedule = lock.withLock { () -> Bool in
            pending.append((job, nil))
            if draining || deferredDrainScheduled { return false }
            deferredDrainScheduled = true
            return true
        }
        if schedule { queue.asyncAfter(deadline: .now() + deferredDelay) { self.drainDeferred() } }
    }

    /// Returns once every write submitted before the call, deferred ones included, is committed
    /// (not necessarily flushed): for readers that must see them, and before the store closes.
    func settle() async {
        _ = await submit(Job(bodies: [], durable: false, work: { _ in () }))
    }

    /// Runs on `queue` when a deferred write has waited `deferredDelay`: commits what waits,
    /// unless a drain already took it.
    private func drainDeferred() {
        let start = lock.withLock { () -> Bool in
            deferredDrainScheduled = false
            if draining || pending.isEmpty { return false }
            draining = true
            return true
        }
        if start { drain() }
    }

    /// Runs on `queue`: commits batches until nothing waits. Writes that arrive while a commit
    /// runs wait in `pending` and go into the next transaction together.
    private func drain() {
        while true {
            let batch = lock.withLock { () -> [Entry] in
                let batch = Array(pending.prefix(maxBatch))
                pending.removeFirst(batch.count)
                if batch.isEmpty { draining = false }
                return batch
            }
            if batch.isEmpty { return }
            let outcomes = commit(batch.map(\.job))
            lock.withLock {
                commitCount += 1
                writeCount += batch.count
            }
            var durable: [LogFlusher.Waiter] = []
            for (index, entry) in batch.enumerated() {
                guard let waiter = entry.waiter else {
                    if case .failure(let error) = outcomes[index] { entry.job.onFailure?(error) }
                    continue  // deferred: made durable by the flush of its batch or a later one
                }
                if entry.job.durable, case .success = outcomes[index] {
                    durable.append((waiter, outcomes[index]))
                } else {
                    waiter.resume(returning: outcomes[index])  // relaxed, or failed: nothing to flush
                }
            }
            flusher.answerAfterFlush(durable)
        }
    }

    /// Syncs the batch's body directories, then runs every job in one transaction. A failed
    /// directory sync fails only the jobs with bodies; a failed commit fails them all.
    ///
    /// BEGIN, COMMIT and each job's savepoint are cached statements (`Database+Transactions`):
    /// GRDB's `write` and `inSavepoint` prepare their SQL anew on every call, about 6,500
    /// instructions a statement, four to seven per write (docs/PERFORMANCE.md, issue 24).
    private func commit(_ jobs: [Job]) -> [Outcome] {
        let references = jobs.flatMap(\.bodies)
        var failedSync: (any Error)? = nil
        if !references.isEmpty {
            do { try bodies.syncDirectories(of: references) } catch { failedSync = error }
        }
        do {
            return try pool.writeWithoutTransaction { db in
                // SQLite takes the setting for a transaction when it begins (a change made inside
                // one did not apply to its COMMIT, tried with strace): NORMAL before BEGIN (the
                // flush follows, `LogFlusher`), FULL again after COMMIT or a failure.
                try db.cachedStatement(sql: "PRAGMA synchronous = NORMAL").execute()
                defer { try? db.cachedStatement(sql: "PRAGMA synchronous = FULL").execute() }
                return try db.inCachedImmediateTransaction {
                    // Throws only when SQLite rolled the whole transaction back (disk full, I/O
                    // error): then nothing of the batch commits, and every job fails.
                    try jobs.map { job -> Outcome in
                        if let failedSync, !job.bodies.isEmpty { return .failure(failedSync) }
                        return try db.inCachedSavepoint { try job.work(db) }
                    }
                }
            }
        } catch {
            return jobs.map { _ in .failure(error) }
        }
    }
}

extension SQLiteMailStore {
    /// Runs `work` in the next group commit (`WriteBatcher`) and returns once it is durable.
    /// `durable: false` lets a flag change or an expunge be acknowledged before the disk flush
    /// (`WriteBatcher`), unless the store was opened with `syncMailboxChanges`.
    func batchedWrite<T: Sendable>(
        bodies: [BodyReference] = [], durable: Bool = true, _ work: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        let job = WriteBatcher.Job(bodies: bodies, durable: durable || syncMailboxChanges, work: { try work($0) })
        let outcome = await batcher.submit(job)
        guard let value = try outcome.get() as? T else { throw MailStoreError.io("write result of the wrong type") }
        return value
    }

    /// Transactions and writes the group commit carried since the store opened.
    public func groupCommitCounts() async -> (commits: Int, writes: Int) {
        (batcher.commits, batcher.writes)
    }

    /// Flushes of the write-ahead log the group commit made since the store opened (`LogFlusher`).
    public func logFlushCount() async -> Int {
        batcher.flusher.flushes
    }
}
