import Foundation
import GRDB
import Logging
import MailCore
import MailStore
import Synchronization

/// The embedded store: metadata in SQLite (WAL, synchronous=FULL), bodies as files, and bodies of
/// delivered and appended messages up to `Options.inlineBodyLimit` in the database (`InlineBodies`).
///
/// Layout under the data directory: `hato.sqlite` (+ `-wal`, `-shm`) and `messages/`.
/// Several processes may open the same directory at once (`hato serve` and the admin commands):
/// SQLite serialises writers and the busy timeout waits for the lock.
public final class SQLiteMailStore: MailStore {
    let pool: DatabasePool
    /// Read-only connections of the threads that read inline (`ThreadReaders`).
    let threadReaders: ThreadReaders
    var reads: StoreReads { StoreReads(pool: pool, threads: threadReaders) }
    /// The data directory: `hato.sqlite`, `messages/`, and `lost+found/` after a repair.
    let directory: URL
    let bodies: BodyFileStore
    let feed: ChangeFeed
    let summarizer: MessageSummarizer?
    let maxMessageSize: Int?
    /// Largest body delivered or appended into the database rather than a file (0: always files).
    let inlineBodyLimit: Int
    /// Flag changes and expunges wait for the disk flush too (`Options.syncMailboxChanges`).
    let syncMailboxChanges: Bool
    let logger: Logger
    let batcher: WriteBatcher
    /// SELECT's message states of recently selected mailboxes (`MessageStateCache`).
    let stateCache = MessageStateCache()
    let queueFeed = QueueActivityFeed()
    /// POP3 maildrop locks (`MaildropLockStore`): one node, so they live in the process.
    let maildropLocks = Mutex<[AccountID: (owner: String, expires: Double)]>([:])

    public struct Options: Sendable {
        /// Largest message accepted by append, in octets (the `[limits] max_message_size` key).
        public var maxMessageSize: Int?
        /// Bodies of delivered and appended messages up to this many octets are stored in the
        /// database with their row (`InlineBodies`; the `[store] inline_body_max` key); 0 keeps
        /// every body in a file.
        public var inlineBodyLimit = 65_536
        /// false (the default): STORE's flag changes and expunges are acknowledged once SQLite
        /// has them in its write-ahead log in the page cache, before the disk flush
        /// (`WriteBatcher`); a crash of the process loses none, a power failure may undo the
        /// last of them. true: they wait for the flush like every delivery and append (the
        /// `[store] sync_mailbox_changes` key).
        public var syncMailboxChanges = false
        /// How long a writer waits for another process holding the write lock.
        public var busyTimeout: TimeInterval = 10
        public var summarizer: MessageSummarizer?
        public var logger = Logger(label: "hato.store")
        /// Name and version of the program, recorded when it migrates the store and shown when an
        /// older build refuses a store a newer one migrated.
        public var software = "hato"
        public init(maxMessageSize: Int? = nil, summarizer: MessageSummarizer? = nil) {
            self.maxMessageSize = maxMessageSize
            self.summarizer = summarizer
        }
    }

    /// Throws `StoreFormatError` when a newer build migrated the store in `directory`, reading
    /// it without writing or creating anything; for a caller that must check before it creates
    /// other files there (`hato serve`'s data directory lock). `init` checks the same again.
    public static func refuseNewerFormat(directory: URL, software: String) throws {
        let path = directory.appendingPathComponent("hato.sqlite").path
        guard FileManager.default.fileExists(atPath: path), let found = try StoreFormatReader.read(path) else { return }
        try StoreFormat.check(found, known: Schema.migrator().migrations, database: path, software: software)
    }

    public init(directory: URL, options: Options = Options()) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        var configuration = Configuration()
        configuration.busyMode = .timeout(options.busyTimeout)
        configuration.foreignKeysEnabled = true
        let path = directory.appendingPathComponent("hato.sqlite").path
        let migrator = Schema.migrator()
        // Before anything is written: a store a newer build migrated is refused untouched.
        if let found = try StoreFormatReader.read(path) {
            try StoreFormat.check(found, known: migrator.migrations, database: path, software: options.software)
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // WAL with synchronous=FULL fsyncs the log at every commit: a committed append survives
        // power loss, which "acknowledged only once durable" needs. It is set on the writer
        // connection after the pool exists, because GRDB's WAL set-up switches it to NORMAL, and
        // outside a transaction, where SQLite refuses the change.
        try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
        let applied = try pool.read { try migrator.appliedIdentifiers($0) }
        try migrator.migrate(pool)
        if applied.count < migrator.migrations.count {
            try pool.write { try StoreFormat.recordMigration($0, software: options.software, latest: migrator.migrations.last ?? "") }
        }
        self.pool = pool
        threadReaders = ThreadReaders(path: path, busyTimeout: options.busyTimeout)
        let bodies = try BodyFileStore(root: directory.appendingPathComponent("messages"))
        self.bodies = bodies
        feed = ChangeFeed()
        summarizer = options.summarizer
        maxMessageSize = options.maxMessageSize
        inlineBodyLimit = max(0, options.inlineBodyLimit)
        syncMailboxChanges = options.syncMailboxChanges
        logger = options.logger
        batcher = WriteBatcher(pool: pool, bodies: bodies)
    }

    public func close() async throws {
        await batcher.settle()  // deferred writes (`WriteBatcher.submitDeferred`) commit first
        try threadReaders.close()
        try pool.close()
    }

    /// Removes body files a crash left without metadata (see `BodyFileStore.sweepOrphans`).
    public func sweepOrphanBodies(minimumAge: TimeInterval = 3600) async throws -> Int {
        let pool = self.pool
        let bodies = self.bodies
        return try await BlockingIO.run {
            try bodies.sweepOrphans(isReferenced: { reference in
                try pool.read { db in try Self.isReferenced(reference, db) }
            }, minimumAge: minimumAge)
        }
    }

    /// Makes every commit so far durable, relaxed ones (`WriteBatcher`) included.
    func flushLog() async throws {
        try await batcher.flusher.flush()
    }

    /// The writer connection's `PRAGMA synchronous` (2 is FULL), for tests and `hato` diagnostics.
    public func synchronousMode() async throws -> Int {
        try await pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") ?? -1 }
    }

    static func isReferenced(_ reference: BodyReference, _ db: Database) throws -> Bool {
        try db.cachedValue(Bool.self, """
            SELECT EXISTS (SELECT 1 FROM messages WHERE body_path = ?1) OR EXISTS (SELECT 1 FROM queue_messages WHERE body_path = ?1)
                OR EXISTS (SELECT 1 FROM quarantine WHERE body_path = ?1)
            """, [reference.path]) ?? false
    }

    /// UIDVALIDITY values are unique per store and increasing, so a mailbox deleted and created
    /// again under the same name never reuses one (RFC 9051 §2.3.1.1).
    static func nextUIDValidity(_ db: Database) throws -> UInt32 {
        let last = try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'uid_validity'") ?? 0
        let now = Int64(Date().timeIntervalSince1970) & 0x7FFF_FFFF
        let next = max(now, last + 1)
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('uid_validity', ?)", arguments: [next])
        return UInt32(truncatingIfNeeded: next)
    }

    /// Unlinks bodies no message references any more, and deletes such inline bodies. Call after
    /// the commit that dropped the rows (a crash in between leaves an orphan the store check finds).
    func removeUnreferenced(_ candidates: Set<String>) async {
        guard !candidates.isEmpty else { return }
        let pool = self.pool
        let bodies = self.bodies
        let inline = candidates.filter(InlineBodies.isInline)
        if !inline.isEmpty {
            do {
                try await pool.write { db in try InlineBodies.deleteUnreferenced(inline, db) }
            } catch {
                logger.error("could not delete inline bodies", metadata: ["error": "\(error)"])
            }
        }
        let files = candidates.subtracting(inline)
        guard !files.isEmpty else { return }
        let unreferenced: [String] = (try? await reads.readInOneHop { db in
            try files.filter { try !Self.isReferenced(BodyReference(path: $0), db) }
        }) ?? []
        for path in unreferenced { bodies.remove(BodyReference(path: path)) }
    }
}
