import Foundation
import GRDB
import GRDBSQLite
import MailStore

extension SQLiteMailStore {
    /// Every message of the mailbox (SEARCH, large FETCHes): one statement, so `unsafeRead`
    /// (see below), stepped with SQLite's own calls: GRDB's row and its conversions were about
    /// 6,000 instructions per message (callgrind of the mix profile, docs/PERFORMANCE.md
    /// 2026-12-06 night).
    public func messages(in mailbox: MailboxID) async throws -> [StoredMessage] {
        try await reads.unsafeReadInOneHop { db in
            try db.cachedAll("SELECT \(Rows.messageColumns) FROM messages WHERE mailbox_id = ? ORDER BY uid", [mailbox.rawValue],
                             Rows.message)
        }
    }

    /// The same rows without their summaries (NULL in their column): a summary is a kilobyte or
    /// more per message, and SEARCH on sizes, dates and bodies never reads it (callgrind of the
    /// IMAP mix: 2.7 M instructions per 200-message search with summaries, 1.2 M without;
    /// docs/PERFORMANCE.md 2026-12-07).
    public func messagesWithoutSummaries(in mailbox: MailboxID) async throws -> [StoredMessage] {
        try await reads.unsafeReadInOneHop { db in
            try db.cachedAll("SELECT \(Rows.messageColumnsWithoutSummary) FROM messages WHERE mailbox_id = ? ORDER BY uid",
                             [mailbox.rawValue], Rows.message)
        }
    }

    /// Reads of one statement go through `unsafeRead`: SQLite runs a lone SELECT in a read
    /// transaction of its own (one consistent snapshot, https://sqlite.org/lang_transaction.html),
    /// and GRDB's `read` adds a `BEGIN DEFERRED` and a `COMMIT` it prepares anew on every call,
    /// about 13,000 instructions per read (callgrind, docs/PERFORMANCE.md 2026-12-06 afternoon).
    /// Reads of two statements that must agree (`selection(of:)`) keep `read`.
    public func messageStates(in mailbox: MailboxID) async throws -> [MessageState] {
        try await reads.unsafeReadInOneHop { db in try Self.messageStates(mailbox, db) }
    }

    /// The mailbox row, then its states: from `stateCache` when it holds them at the row's
    /// UIDVALIDITY and HIGHESTMODSEQ, else read (and kept). One read transaction, so the row and
    /// the states agree; its BEGIN and COMMIT are cached statements (`inCachedReadTransaction`).
    public func selection(of mailbox: MailboxID) async throws -> MailboxSelection? {
        let cache = stateCache
        return try await reads.unsafeReadInOneHop { db in
            try db.inCachedReadTransaction { () -> MailboxSelection? in
                guard let (current, firstRecent) = try db.cachedFirst(
                    "SELECT \(Rows.mailboxColumns), first_recent_uid FROM mailboxes WHERE id = ?", [mailbox.rawValue],
                    { (Rows.mailbox($0), $0.int64(7)) }) else { return nil }
                let states: [MessageState]
                if let known = cache.states(of: mailbox, uidValidity: current.uidValidity, highestModSeq: current.highestModSeq) {
                    states = known
                } else {
                    states = try Self.messageStates(mailbox, db)
                    cache.store(states, of: mailbox, uidValidity: current.uidValidity, highestModSeq: current.highestModSeq)
                }
                return MailboxSelection(mailbox: current, messages: states, firstRecentUID: UInt32(truncatingIfNeeded: firstRecent))
            }
        }
    }

    /// From the covering index `messages_state` (v27-message-state-index): no table rows read.
    /// Stepped with SQLite's own calls (`sqlite3_step`, `sqlite3_column_*`) on GRDB's cached
    /// statement: GRDB's row cursor cost about half of the 1,250 instructions per message
    /// (docs/PERFORMANCE.md), and a SELECT of a large mailbox reads every state.
    static func messageStates(_ mailbox: MailboxID, _ db: Database) throws -> [MessageState] {
        let statement = try db.cachedStatement(sql: "SELECT uid, modseq, flags, keywords FROM messages WHERE mailbox_id = ? ORDER BY uid")
        statement.setUncheckedArguments([mailbox.rawValue])  // resets the statement and binds
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }  // no read lock kept by a finished statement
        var states: [MessageState] = []
        while true {
            let code = sqlite3_step(handle)
            guard code == SQLITE_ROW else {
                if code == SQLITE_DONE { return states }
                throw DatabaseError(resultCode: ResultCode(rawValue: code),
                                    message: db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) })
            }
            var keywords: [String] = []
            // sqlite3_column_text before sqlite3_column_bytes (https://sqlite.org/c3ref/column_blob.html).
            if let text = sqlite3_column_text(handle, 3), case let length = Int(sqlite3_column_bytes(handle, 3)), length > 0 {
                let joined = String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self)
                keywords = joined.split(separator: " ").map(String.init)
            }
            states.append(MessageState(
                uid: UInt32(truncatingIfNeeded: sqlite3_column_int64(handle, 0)),
                modSeq: UInt64(bitPattern: sqlite3_column_int64(handle, 1)),
                flags: MessageFlags(system: SystemFlags(rawValue: Int(sqlite3_column_int64(handle, 2))), keywords: keywords)))
        }
    }

    public func message(in mailbox: MailboxID, uid: UInt32) async throws -> StoredMessage? {
        try await reads.unsafeReadInOneHop { db in  // one statement (see messageStates)
            try db.cachedFirst(Rows.messageByUID, mailbox.rawValue, Int64(uid), Rows.message)
        }
    }

    /// One trip to a reader for all of them (each hop to GRDB's queue and back is two thread
    /// wake-ups: a FETCH of five messages spent 25 futex calls, docs/PERFORMANCE.md, issue 24).
    public func messages(in mailbox: MailboxID, uids: [UInt32]) async throws -> [StoredMessage] {
        try await reads.unsafeReadInOneHop { db in
            // Several statements in one read transaction: one snapshot, and one WAL read lock
            // taken and released (fcntl) instead of one per statement.
            let read = {
                try uids.compactMap { uid in
                    try db.cachedFirst(Rows.messageByUID, mailbox.rawValue, Int64(uid), Rows.message)
                }
            }
            return try uids.count > 1 ? db.inCachedReadTransaction(read) : read()
        }
    }

    public func readBody(_ body: BodyReference) async throws -> [UInt8] {
        try await readBodies([body])[0]
    }

    /// One blocking-I/O hop for all of them (see `messages(in:uids:)`); inline bodies in one read.
    public func readBodies(_ references: [BodyReference]) async throws -> [[UInt8]] {
        let bodies = self.bodies
        let pool = self.pool
        // Bodies in the database only: on an event loop, read there on the loop's own connection
        // (`StoreReads`, `ThreadReaders`); body files are read on a blocking-I/O thread.
        let here = BlockingIO.briefReadsInline && references.allSatisfy { InlineBodies.isInline($0.path) }
        let threads = here ? threadReaders : nil
        let read = { @Sendable () throws -> [[UInt8]] in
            let inline = references.map(\.path).filter(InlineBodies.isInline)
            let readInline = { (db: Database) throws -> [String: [UInt8]] in
                try inline.count > 1 ? db.inCachedReadTransaction { try InlineBodies.read(inline, db) } : InlineBodies.read(inline, db)
            }
            let stored = inline.isEmpty ? [:] : try threads?.unsafeRead(readInline) ?? pool.unsafeRead(readInline)
            return try references.map { reference in
                guard InlineBodies.isInline(reference.path) else { return try bodies.read(reference) }
                guard let bytes = stored[reference.path] else { throw MailStoreError.bodyMissing(reference.path) }
                return bytes
            }
        }
        if here { return try read() }
        return try await BlockingIO.run(read)
    }

    public func readBody(_ body: BodyReference, offset: Int, length: Int) async throws -> [UInt8] {
        let bodies = self.bodies
        guard InlineBodies.isInline(body.path) else {
            return try await BlockingIO.run { try bodies.read(body, offset: offset, length: length) }
        }
        guard let bytes = try await reads.unsafeReadInOneHop({ db in try InlineBodies.read(body.path, offset: offset, length: length, db) })
        else { throw MailStoreError.bodyMissing(body.path) }
        return bytes
    }

    public func setFlags(
        in mailbox: MailboxID, uids: [UInt32], change: FlagChange, unchangedSince: UInt64?
    ) async throws -> (updated: [StoredMessage], failed: [UInt32]) {
        let (updated, failed, changed, startModSeq) = try await batchedWrite(durable: false) { db -> ([StoredMessage], [UInt32], [StoredMessage], UInt64) in
            let startModSeq = try Self.highestModSeq(mailbox, db)
            var modSeq = startModSeq
            var updated: [StoredMessage] = []
            var failed: [UInt32] = []
            var changed: [StoredMessage] = []
            for uid in uids {
                guard let message = try db.cachedFirst(Rows.messageByUID, mailbox.rawValue, Int64(uid), Rows.message) else { continue }
                if let unchangedSince, message.modSeq > unchangedSince {
                    failed.append(uid)
                    continue
                }
                let flags = change.apply(to: message.flags)
                guard flags != message.flags else {
                    updated.append(message)
                    continue
                }
                modSeq += 1
                try db.cachedExecute(
                    "UPDATE messages SET flags = ?, keywords = ?, modseq = ? WHERE mailbox_id = ? AND uid = ?",
                    [flags.system.rawValue, flags.keywords.joined(separator: " "), Int64(modSeq), mailbox.rawValue, Int64(uid)])
                let new = StoredMessage(
                    mailboxID: mailbox, uid: uid, modSeq: modSeq, flags: flags, internalDate: message.internalDate,
                    size: message.size, body: message.body, summary: message.summary, savedDate: message.savedDate)
                updated.append(new)
                changed.append(new)
            }
            try db.cachedExecute("UPDATE mailboxes SET highest_modseq = ? WHERE id = ?", [Int64(modSeq), mailbox.rawValue])
            return (updated, failed, changed, startModSeq)
        }
        if let last = changed.last {
            stateCache.apply(.updated(changed.map(MessageState.init)), to: mailbox, from: startModSeq, to: last.modSeq)
        }
        feed.publish(changed.map { .flagsChanged(uid: $0.uid, modSeq: $0.modSeq, flags: $0.flags) }, in: mailbox)
        return (updated, failed)
    }

    /// With `uids`, removes exactly those messages (IMAP UID EXPUNGE callers pass only \Deleted
    /// ones; POP3 passes the messages marked with DELE); without, every \Deleted message.
    public func expunge(in mailbox: MailboxID, uids: [UInt32]?) async throws -> [UInt32] {
        let (removed, modSeq, paths) = try await batchedWrite(durable: false) { db -> ([UInt32], UInt64, Set<String>) in
            guard let accountID = try db.cachedValue(Int64.self, "SELECT account_id FROM mailboxes WHERE id = ?", [mailbox.rawValue]) else {
                throw MailStoreError.mailboxNotFound("id \(mailbox)")
            }
            // (uid, size, body_path), read raw (`cachedAll`: GRDB's rows cost more than the reads).
            let read = { (row: RawRow) in (uid: row.int64(0), size: row.int64(1), path: row.text(2)) }
            let rows: [(uid: Int64, size: Int64, path: String)]
            if let uids {
                let wanted = Set(uids)
                rows = try db.cachedAll("SELECT uid, size, body_path FROM messages WHERE mailbox_id = ? ORDER BY uid", [mailbox.rawValue], read)
                    .filter { wanted.contains(UInt32(truncatingIfNeeded: $0.uid)) }
            } else {
                rows = try db.cachedAll("SELECT uid, size, body_path FROM messages WHERE mailbox_id = ? AND (flags & 8) <> 0 ORDER BY uid",
                                        [mailbox.rawValue], read)
            }
            guard !rows.isEmpty else { return ([], 0, []) }
            let modSeq = try Self.highestModSeq(mailbox, db) + 1
            var bytes: Int64 = 0
            for row in rows {
                try db.cachedExecute("DELETE FROM messages WHERE mailbox_id = ? AND uid = ?", [mailbox.rawValue, row.uid])
                try db.cachedExecute("INSERT OR REPLACE INTO expunged (mailbox_id, uid, modseq) VALUES (?, ?, ?)",
                                     [mailbox.rawValue, row.uid, Int64(modSeq)])
                bytes += row.size
            }
            try db.cachedExecute("UPDATE mailboxes SET highest_modseq = ? WHERE id = ?", [Int64(modSeq), mailbox.rawValue])
            try db.cachedExecute("UPDATE accounts SET used_bytes = used_bytes - ?, used_messages = used_messages - ? WHERE id = ?",
                                 [bytes, rows.count, accountID])
            // Which bodies nothing references any more, decided in this transaction: a read
            // after the commit (`removeUnreferenced`) cost a read transaction of its own per
            // EXPUNGE. Nothing can add a reference to them later: the rows that named them are gone.
            let unreferenced = try Set(rows.map(\.path)).filter { try !Self.isReferenced(BodyReference(path: $0), db) }
            // Inline bodies go in this transaction (`InlineBodies`); files are unlinked after it.
            try InlineBodies.deleteUnreferenced(unreferenced, db)
            return (rows.map { UInt32(truncatingIfNeeded: $0.uid) }, modSeq, unreferenced)
        }
        guard !removed.isEmpty else { return [] }
        stateCache.apply(.expunged(Set(removed)), to: mailbox, from: modSeq - 1, to: modSeq)
        feed.publish([.expunged(uids: removed, modSeq: modSeq)], in: mailbox)
        let files = paths.filter { !InlineBodies.isInline($0) }
        guard !files.isEmpty else { return removed }
        if !syncMailboxChanges {
            // The rows' removal must be on disk before their files go: after a power failure a
            // row must never name a body that is gone. If the flush fails the files stay, as
            // orphans the start-up sweep removes (`sweepOrphanBodies`).
            do { try await flushLog() } catch {
                logger.warning("expunge: could not flush the write-ahead log; body files kept", metadata: ["error": "\(error)"])
                return removed
            }
        }
        for path in files { bodies.remove(BodyReference(path: path)) }
        return removed
    }

    public func expungedUIDs(in mailbox: MailboxID, since modSeq: UInt64) async throws -> [UInt32] {
        try await reads.readInOneHop { db in
            try Int64.fetchAll(db.cachedStatement(sql: "SELECT uid FROM expunged WHERE mailbox_id = ? AND modseq > ? ORDER BY uid"),
                               arguments: [mailbox.rawValue, Int64(clamping: modSeq)])
                .map { UInt32(truncatingIfNeeded: $0) }
        }
    }

    public func copy(uids: [UInt32], from source: MailboxID, to target: MailboxID, claimingRecent: Bool) async throws -> CopyOutcome {
        let (pairs, appended, recentFrom) = try await batchedWrite { db -> ([(UInt32, UInt32)], [MailboxChange], UInt32?) in
            var pairs: [(UInt32, UInt32)] = []
            var appended: [MailboxChange] = []
            for uid in uids {
                guard let row = try Row.fetchOne(
                    db, sql: "SELECT \(Rows.messageColumns) FROM messages WHERE mailbox_id = ? AND uid = ?", arguments: [source.rawValue, Int64(uid)]
                ) else { continue }
                let message = Rows.message(row)
                let pending = PendingAppend(
                    body: message.body, size: message.size, summary: message.summary, flags: message.flags,
                    internalDate: message.internalDate, targets: [target])
                let result = try Self.insertMessage(pending, into: target, db)
                pairs.append((uid, result.uid))
                appended.append(.appended(uid: result.uid, modSeq: result.modSeq, flags: message.flags))
            }
            let recentFrom = claimingRecent ? try Self.claimRecent(in: target, through: pairs.map(\.1).max(), db) : nil
            return (pairs, appended, recentFrom)
        }
        for case .appended(let uid, let modSeq, let flags) in appended {
            stateCache.apply(.appended(MessageState(uid: uid, modSeq: modSeq, flags: flags)), to: target, from: modSeq - 1, to: modSeq)
        }
        feed.publish(appended, in: target)
        return CopyOutcome(pairs: pairs, recentFrom: recentFrom)
    }

    /// RFC 3501 §2.3.2 inside a writer's transaction: the mailbox's first unclaimed UID, moved
    /// past `uid` (when given and not yet claimed).
    static func claimRecent(in mailbox: MailboxID, through uid: UInt32?, _ db: Database) throws -> UInt32 {
        guard let first = try db.cachedValue(UInt32.self, "SELECT first_recent_uid FROM mailboxes WHERE id = ?", [mailbox.rawValue]) else {
            throw MailStoreError.mailboxNotFound("id \(mailbox)")
        }
        if let uid, first <= uid {
            try db.cachedExecute("UPDATE mailboxes SET first_recent_uid = ? WHERE id = ?", [uid + 1, mailbox.rawValue])
        }
        return first
    }

    static func highestModSeq(_ mailbox: MailboxID, _ db: Database) throws -> UInt64 {
        guard let value = try db.cachedValue(Int64.self, "SELECT highest_modseq FROM mailboxes WHERE id = ?", [mailbox.rawValue]) else {
            throw MailStoreError.mailboxNotFound("id \(mailbox)")
        }
        return UInt64(value)
    }
}
