import Foundation
import GRDB
import Synchronization

/// Read-only connections of their own for the threads that read inline
/// (`BlockingIO.briefReadsInline`: a session step on its event loop), one per thread, opened on
/// first use.
///
/// A read through `DatabasePool` first takes a reader from GRDB's pool: a barrier `sync` on a
/// concurrent queue, a semaphore, a group and a key-path search of the readers, then a
/// `PRAGMA schema_version` query to see whether the writer changed the schema. Under callgrind
/// that was about 35 K instructions of every read's 75 K, and reception makes seven or eight
/// reads per message (docs/PERFORMANCE.md, issue 24). A connection that only its own thread
/// uses needs none of it: its serial queue runs the read inline on the calling thread.
///
/// Sound because each such connection is an ordinary SQLite reader of the WAL database, as the
/// pool's readers are: a read outside a transaction sees every commit made before it, and a
/// read transaction one snapshot. The schema does not change while the store is open (the
/// migrations run in `SQLiteMailStore.init`, before any read), and SQLite prepares a statement
/// again by itself should it change. Threads beyond `limit` (inline reads happen on the
/// event loops, two on a two-core machine) read through the pool as before.
final class ThreadReaders: Sendable {
    private struct State {
        var readers: [UInt: DatabaseQueue] = [:]
        var closed = false
    }

    private let path: String
    private let configuration: Configuration
    private let limit: Int
    private let state = Mutex(State())

    init(path: String, busyTimeout: TimeInterval, limit: Int = 8) {
        self.path = path
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "hato.sqlite.thread-reader"
        self.configuration = configuration
        self.limit = limit
    }

    /// `work` on this thread's connection outside a transaction (GRDB's `unsafeRead`), or nil
    /// when this thread gets none (over the limit, or closed): the caller reads from the pool.
    func unsafeRead<T>(_ work: (Database) throws -> T) throws -> T? {
        guard let reader = try reader() else { return nil }
        return try reader.unsafeRead(work)
    }

    /// `work` in a read transaction (one snapshot) on this thread's connection, or nil as above.
    func read<T>(_ work: (Database) throws -> T) throws -> T? {
        guard let reader = try reader() else { return nil }
        return try reader.read(work)
    }

    /// Closes every connection; later reads go to the pool (which is closed too).
    func close() throws {
        let readers = state.withLock { state in
            state.closed = true
            defer { state.readers = [:] }
            return Array(state.readers.values)
        }
        for reader in readers { try reader.close() }
    }

    /// How many connections are open, for tests.
    var count: Int { state.withLock { $0.readers.count } }

    private func reader() throws -> DatabaseQueue? {
        #if canImport(Glibc)
        let thread = UInt(pthread_self())
        #else
        let thread = UInt(bitPattern: pthread_self())
        #endif
        if let found = state.withLock({ $0.closed ? nil : $0.readers[thread] }) { return found }
        guard state.withLock({ !$0.closed && $0.readers.count < limit }) else { return nil }
        // Opened outside the lock (it reads the file's header); this thread is the only one
        // that can add its own entry.
        let opened = try DatabaseQueue(path: path, configuration: configuration)
        let kept = state.withLock { state -> Bool in
            guard !state.closed, state.readers.count < limit else { return false }
            state.readers[thread] = opened
            return true
        }
        if !kept { try opened.close(); return nil }
        return opened
    }
}
