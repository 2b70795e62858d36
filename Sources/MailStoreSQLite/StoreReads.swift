import GRDB
import MailStore

// GRDB's async reads take four thread switches: the task hops to the pool's semaphore queue
// (a reader is free), back, to that reader's serial queue, and back. Each switch is a futex
// wake-up and a context switch, and they were most of an IMAP SELECT's or FETCH's kernel time
// (docs/PERFORMANCE.md, issue 24). These run GRDB's synchronous read on a blocking-I/O thread
// instead: one hop there and one back. The synchronous read waits for a free reader on that
// thread (a blocking-I/O thread waits as it would for the disk), and the reader's serial queue
// runs the read inline (`DispatchQueue.sync` on an idle queue runs on the calling thread).
//
// A step on its session's event loop (`BlockingIO.briefReadsInline`) reads on the loop thread
// itself, without a hop, on that thread's own connection (`ThreadReaders`, no pool to take a
// reader from): a WAL reader never waits for the writer, and the rows come from the page cache.

/// The store's reads: the pool, and the connections of the threads that read inline.
struct StoreReads: Sendable {
    let pool: DatabasePool
    let threads: ThreadReaders

    /// `unsafeRead(_:)` (no transaction: one statement, or statements that need no common
    /// snapshot) in one hop each way, or none on an event loop.
    func unsafeReadInOneHop<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        if BlockingIO.briefReadsInline { return try threads.unsafeRead(work) ?? synchronousUnsafeRead(work) }
        return try await BlockingIO.run { try pool.unsafeRead(work) }
    }

    /// `read(_:)` (a read transaction) in one hop each way, or none on an event loop.
    func readInOneHop<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        if BlockingIO.briefReadsInline { return try threads.read(work) ?? synchronousRead(work) }
        return try await BlockingIO.run { try pool.read(work) }
    }

    // From an async function `unsafeRead` and `read` name GRDB's async reads (the four hops);
    // these name the synchronous ones.
    private func synchronousUnsafeRead<T>(_ work: (Database) throws -> T) throws -> T { try pool.unsafeRead(work) }
    private func synchronousRead<T>(_ work: (Database) throws -> T) throws -> T { try pool.read(work) }
}
