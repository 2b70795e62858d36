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
/// its own savepoint, so they share its single WAL fsync (`synchronous = FULL`) and, for appends,
/// one fsync per body directory. Every caller is answered only after that commit returned, so an
/// acknowledged write is as durable as if it had committed alone; a write that fails rolls back
/// its own savepoint and fails alone. With one writer nothing waits. Under concurrency the WAL
/// fsyncs per write fall towards 1 ÷ the number of writers in flight (docs/PERFORMANCE.md).
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
        let work: @Sendable (Database) throws -> any Sendable
    }
    typealias Outcome = Result<any Sendable, any Error>

    private let pool: DatabasePool
    private let bodies: BodyFileStore
    private let queue = DispatchQueue(label: "hato.sqlite.group-commit", qos: .userInitiated)
    /// Guards `pending`, `draining`, `commits` and `writes`.
    private let lock = NSLock()
    private var pending: [(Job, CheckedContinuation<Outcome, Never>)] = []
    private var draining = false
    /// Largest number of writes in one transaction; bounds commit latency under heavy load.
    let maxBatch: Int
    private var commitCount = 0
    private var writeCount = 0
    /// Transactions committed and writes they carried, for tests and diagnostics.
    var commits: Int { lock.withLock { commitCount } }
    var writes: Int { lock.withLock { writeCount } }

    init(pool: DatabasePool, bodies: BodyFileStore, maxBatch: Int = 256) {
        self.pool = pool
        self.bodies = bodies
        self.maxBatch = maxBatch
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

    /// Runs on `queue`: commits batches until nothing waits. Writes that arrive while a commit
    /// runs wait in `pending` and go into the next transaction together.
    private func drain() {
        while true {
            let batch = lock.withLock { () -> [(Job, CheckedContinuation<Outcome, Never>)] in
                let batch = Array(pending.prefix(maxBatch))
                pending.removeFirst(batch.count)
                if batch.isEmpty { draining = false }
                return batch
            }
            if batch.isEmpty { return }
            let outcomes = commit(batch.map(\.0))
            lock.withLock {
                commitCount += 1
                writeCount += batch.count
            }
            for (index, entry) in batch.enumerated() { entry.1.resume(returning: outcomes[index]) }
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
                try db.inCachedImmediateTransaction {
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
    func batchedWrite<T: Sendable>(
        bodies: [BodyReference] = [], _ work: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        let outcome = await batcher.submit(WriteBatcher.Job(bodies: bodies, work: { try work($0) }))
        guard let value = try outcome.get() as? T else { throw MailStoreError.io("write result of the wrong type") }
        return value
    }

    /// Transactions and writes the group commit carried since the store opened.
    public func groupCommitCounts() async -> (commits: Int, writes: Int) {
        (batcher.commits, batcher.writes)
    }
}
