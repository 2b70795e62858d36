import Foundation
import MailStore

/// Flushes SQLite's write-ahead log to disk after the group commit's transaction, outside the
/// write lock, and only then answers the writes that must be durable (`WriteBatcher`).
///
/// With `synchronous = FULL` SQLite flushes the log inside COMMIT, while it holds the database's
/// one write lock: every other write, a flag change included, waited for the disk behind it
/// (STORE 3 ms against Dovecot's 1.3 ms in the persistent IMAP loop, docs/PERFORMANCE.md). The
/// group commit now commits with `synchronous = NORMAL` (the frames are written to the log, in
/// the page cache) and hands the durable writes here; the next transaction may commit while
/// this flush runs. One `fdatasync` of the log file makes every frame written before it durable,
/// so a flush answers every write that waited for it: flushes overlap commits and coalesce.
///
/// Sound because the log is written in order and only appended to until a checkpoint, which
/// flushes the log before it copies pages into the database and flushes the database after
/// (https://sqlite.org/wal.html, https://sqlite.org/pragma.html#pragma_synchronous): after this
/// flush returns, a transaction committed before it is on disk in the log or in the database
/// file. A reset log (after a checkpoint) is the same file, so flushing it by path is right.
/// The file is opened for each flush rather than kept open: a log deleted and created again
/// (the last connection closing) would leave a kept descriptor flushing a file nobody reads.
final class LogFlusher: @unchecked Sendable {
    typealias Outcome = WriteBatcher.Outcome
    typealias Waiter = (CheckedContinuation<Outcome, Never>, Outcome)

    private let path: String
    private let queue = DispatchQueue(label: "hato.sqlite.log-flush", qos: .userInitiated)
    /// Guards `waiting`, `flushing` and `flushCount`.
    private let lock = NSLock()
    private var waiting: [Waiter] = []
    private var flushing = false
    private var flushCount = 0
    /// Flushes done since the store opened, for tests and diagnostics.
    var flushes: Int { lock.withLock { flushCount } }

    /// `database`: the path of `hato.sqlite`; its log is beside it (`-wal`).
    init(database: String) {
        path = database + "-wal"
    }

    /// Answers each waiter with its outcome once the log is on disk (with the flush's error if
    /// it failed: then nothing is known to be durable).
    func answerAfterFlush(_ waiters: [Waiter]) {
        guard !waiters.isEmpty else { return }
        let start = lock.withLock { () -> Bool in
            waiting += waiters
            if flushing { return false }
            flushing = true
            return true
        }
        if start { queue.async { self.run() } }
    }

    /// Returns once every commit so far is on disk.
    func flush() async throws {
        let outcome = await withCheckedContinuation { continuation in
            answerAfterFlush([(continuation, .success(()))])
        }
        _ = try outcome.get()
    }

    /// Runs on `queue`: one flush for everything waiting, again while more arrived meanwhile
    /// (their frames may have been written after the flush began).
    private func run() {
        while true {
            let batch = lock.withLock { () -> [Waiter] in
                let batch = waiting
                waiting = []
                if batch.isEmpty { flushing = false } else { flushCount += 1 }
                return batch
            }
            if batch.isEmpty { return }
            let failure: (any Error)?
            do { try flushFile(); failure = nil } catch { failure = error }
            for (continuation, outcome) in batch {
                continuation.resume(returning: failure.map { .failure($0) } ?? outcome)
            }
        }
    }

    private func flushFile() throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            // No log: everything committed is in the database file, which the checkpoint that
            // emptied the log flushed before the log was removed.
            if errno == ENOENT { return }
            throw MailStoreError.io("open \(path): \(String(cString: strerror(errno)))")
        }
        defer { _ = Glibc.close(fd) }
        guard fdatasync(fd) == 0 else { throw MailStoreError.io("fdatasync \(path): \(String(cString: strerror(errno)))") }
    }
}
