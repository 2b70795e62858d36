import Crypto
import Foundation
import MailStore
import NIOCore
import PostgresNIO

/// Where a shared-database store keeps message bodies: content-addressed (the same bytes are
/// stored once, whichever accounts and queue entries hold them), written inside the caller's
/// transaction so a body and the rows that refer to it commit together.
public protocol MessageBlobStore: Sendable {
    /// Stores the bytes (or finds them already stored) and returns their reference; locks the blob
    /// until the caller's transaction ends, so no concurrent clean-up can remove it meanwhile.
    func put(_ bytes: [UInt8], on connection: PostgresConnection) async throws -> BodyReference
    /// Up to `length` octets from `offset` (fewer at the end; all of the rest when nil).
    /// Throws `MailStoreError.bodyMissing` for a reference nothing is stored under.
    func read(_ body: BodyReference, offset: Int, length: Int?, on connection: PostgresConnection) async throws -> [UInt8]
    /// Removes those of `keys` no message, queue entry or quarantined message refers to.
    func removeUnreferenced(_ keys: Set<String>, on connection: PostgresConnection) async throws
}

/// Bodies in two tables: `blobs` (key = hex SHA-256 of the content, size, chunk size) and
/// `blob_chunks` (the content in `chunkSize` pieces). Chunks bound what one statement carries
/// and let a ranged read (IMAP streams large messages in 256 KiB pieces) fetch only the rows it
/// needs; docs/scaling.md has the measurements behind the size.
public struct PostgresBlobStore: MessageBlobStore {
    /// 256 KiB: the IMAP server's streamed piece size, so one piece is one row (docs/scaling.md).
    public static let defaultChunkSize = 256 * 1024
    public let chunkSize: Int

    public init(chunkSize: Int = Self.defaultChunkSize) {
        self.chunkSize = max(4096, chunkSize)
    }

    public static func key(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    public func put(_ bytes: [UInt8], on connection: PostgresConnection) async throws -> BodyReference {
        let key = Self.key(bytes)
        let size = Int64(bytes.count)
        let now = Date().timeIntervalSince1970
        // DO UPDATE (not DO NOTHING) takes the row lock even when the blob exists: a concurrent
        // removeUnreferenced then waits for this transaction, and its foreign keys stop it.
        let stored = try await connection.value("""
            INSERT INTO blobs (key, size, chunk_size, created_at) VALUES (\(key), \(size), \(chunkSize), \(now))
            ON CONFLICT (key) DO UPDATE SET size = EXCLUDED.size RETURNING chunk_size
            """, as: Int.self) ?? chunkSize
        let expected = (bytes.count + stored - 1) / stored
        let present = try await connection.value("SELECT count(*) FROM blob_chunks WHERE key = \(key)", as: Int.self) ?? 0
        guard present < expected else { return BodyReference(path: key) }
        var seq = 0
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + stored)
            let chunk = ByteBuffer(bytes: bytes[start..<end])
            try await connection.run("""
                INSERT INTO blob_chunks (key, seq, data) VALUES (\(key), \(seq), \(chunk)) ON CONFLICT (key, seq) DO NOTHING
                """)
            seq += 1
            start = end
        }
        return BodyReference(path: key)
    }

    public func read(_ body: BodyReference, offset: Int, length: Int?, on connection: PostgresConnection) async throws -> [UInt8] {
        guard let row = try await connection.all("SELECT size, chunk_size FROM blobs WHERE key = \(body.path)").first else {
            throw MailStoreError.bodyMissing(body.path)
        }
        let (size, chunk) = try row.decode((Int, Int).self)
        let start = min(max(0, offset), size)
        let end = length.map { min(size, start + max(0, $0)) } ?? size
        guard end > start else { return [] }
        let first = start / chunk, last = (end - 1) / chunk
        var bytes: [UInt8] = []
        bytes.reserveCapacity(end - start)
        let rows = try await connection.all("""
            SELECT seq, data FROM blob_chunks WHERE key = \(body.path) AND seq BETWEEN \(first) AND \(last) ORDER BY seq
            """)
        guard rows.count == last - first + 1 else { throw MailStoreError.bodyMissing("\(body.path) (chunks missing)") }
        for row in rows {
            let (seq, data) = try row.decode((Int, ByteBuffer).self)
            let chunkStart = seq * chunk
            let from = max(start, chunkStart) - chunkStart
            let to = min(end, chunkStart + data.readableBytes) - chunkStart
            guard to > from, let piece = data.getBytes(at: data.readerIndex + from, length: to - from) else { continue }
            bytes += piece
        }
        guard bytes.count == end - start else { throw MailStoreError.bodyMissing("\(body.path) (short chunks)") }
        return bytes
    }

    public func removeUnreferenced(_ keys: Set<String>, on connection: PostgresConnection) async throws {
        guard !keys.isEmpty else { return }
        let list = Array(keys)
        try await connection.run("""
            DELETE FROM blobs b WHERE b.key = ANY(\(list))
              AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.body_key = b.key)
              AND NOT EXISTS (SELECT 1 FROM queue_messages q WHERE q.body_key = b.key)
              AND NOT EXISTS (SELECT 1 FROM quarantine x WHERE x.body_key = b.key)
            """)
    }
}

extension PostgresMailStore {
    /// Drops bodies nothing refers to any more, after the commit that dropped their last row. A
    /// body some other transaction took again meanwhile stays: its foreign key refuses the delete.
    func removeUnreferenced(_ keys: Set<String>) async {
        guard !keys.isEmpty else { return }
        let blobs = self.blobs
        do {
            try await read { connection in try await blobs.removeUnreferenced(keys, on: connection) }
        } catch {
            logger.debug("body clean-up left for later", metadata: ["error": "\(error)"])
        }
    }

    /// Removes bodies nothing refers to that are older than `minimumAge`: what a crash between a
    /// commit and its clean-up, or a clean-up that lost a race, left behind. One at a time, so a
    /// body another transaction is taking again (its foreign key refuses the delete) only skips
    /// that one. Returns how many went.
    public func sweepOrphanBodies(minimumAge: TimeInterval = 3600, limit: Int = 10_000) async throws -> Int {
        let before = Date().timeIntervalSince1970 - minimumAge
        let candidates = try await read { db in
            try await db.all("""
                SELECT b.key FROM blobs b WHERE b.created_at < \(before)
                  AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.body_key = b.key)
                  AND NOT EXISTS (SELECT 1 FROM queue_messages q WHERE q.body_key = b.key)
                  AND NOT EXISTS (SELECT 1 FROM quarantine x WHERE x.body_key = b.key)
                LIMIT \(max(0, limit))
                """).map { try $0.decode(String.self) }
        }
        let blobs = self.blobs
        var removed = 0
        for key in candidates {
            let gone = try? await read { db -> Bool in
                try await blobs.removeUnreferenced([key], on: db)
                return try await !db.exists("SELECT 1 FROM blobs WHERE key = \(key)")
            }
            if gone == true { removed += 1 }
        }
        return removed
    }

    public func readBody(_ body: BodyReference) async throws -> [UInt8] {
        let blobs = self.blobs
        return try await read { connection in
            try await blobs.read(try await Self.blob(of: body, connection), offset: 0, length: nil, on: connection)
        }
    }

    public func readBody(_ body: BodyReference, offset: Int, length: Int) async throws -> [UInt8] {
        let blobs = self.blobs
        return try await read { connection in
            try await blobs.read(try await Self.blob(of: body, connection), offset: offset, length: length, on: connection)
        }
    }

    /// A message's body reference is its blob key. A queue entry's is `queue/<id>/<key>` and a
    /// quarantined message's `quarantine/<id>/<key>`: the same bytes queued twice share one blob,
    /// yet the body of a finished queue entry is gone for whoever still holds its reference.
    static func reference(_ owner: String, _ id: Int64, key: String) -> BodyReference {
        BodyReference(path: "\(owner)/\(id)/\(key)")
    }

    /// The blob a reference names, once its owner (a queue entry, a quarantined message) is
    /// known to hold it still; `bodyMissing` otherwise.
    static func blob(of body: BodyReference, _ db: PostgresConnection) async throws -> BodyReference {
        let parts = body.path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return body }
        let key = String(parts[2])
        guard let id = Int64(parts[1]) else { throw MailStoreError.bodyMissing(body.path) }
        let held = switch parts[0] {
        case "queue": try await db.exists("SELECT 1 FROM queue_messages WHERE id = \(id) AND body_key = \(key)")
        case "quarantine": try await db.exists("SELECT 1 FROM quarantine WHERE id = \(id) AND body_key = \(key)")
        default: false
        }
        guard held else { throw MailStoreError.bodyMissing(body.path) }
        return BodyReference(path: key)
    }
}
