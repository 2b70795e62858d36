import Foundation
import HatoTesting
import Logging
import MailCore
import MailStore
@testable import MailStorePostgres
import Testing

/// Bodies split into chunks read back whole and in any range, across chunk boundaries.
@Suite struct PostgresBlobTests {
    @Test func chunkedBodiesReadBackInAnyRange() async throws {
        guard let test = try await testDatabase() else { return }
        let (cluster, database) = test
        var options = PostgresMailStore.Options()
        options.chunkSize = 4096
        options.maxConnections = 2
        options.logger = Logger(label: "hato.store.test")
        let store = PostgresMailStore(
            connection: PostgresConnectionSettings(host: "127.0.0.1", port: cluster.port, username: cluster.user, password: cluster.password,
                                               database: database, tls: .disable),
            options: options)
        try await store.addDomain(try Domain("example.test"))
        let account = try await store.addAccount(try EmailAddress("carol@example.test"), credentials: [], quota: .unlimited)
        let inbox = try #require(try await store.mailbox(of: account.id, named: "INBOX"))
        let bytes = Array("Subject: big\r\n\r\n".utf8) + (0..<(4096 * 5 + 123)).map { _ in UInt8.random(in: 32...126) }
        _ = try await store.append(AppendRequest(bytes: bytes), to: inbox.id)
        let message = try #require(try await store.messages(in: inbox.id).first)
        #expect(message.size == Int64(bytes.count))
        #expect(try await store.readBody(message.body) == bytes, "whole body byte for byte")
        for (offset, length) in [(0, 10), (4090, 12), (4096, 4096), (8000, 9000), (bytes.count - 5, 100), (bytes.count, 10), (0, bytes.count * 2)] {
            let piece = try await store.readBody(message.body, offset: offset, length: length)
            let end = min(bytes.count, offset + length)
            #expect(piece == Array(bytes[min(offset, end)..<end]), "range \(offset)+\(length)")
        }
        let empty = try await store.append(AppendRequest(bytes: []), to: inbox.id)
        let stored = try #require(try await store.message(in: inbox.id, uid: empty.uid))
        #expect(try await store.readBody(stored.body) == [], "an empty body has no chunks and reads back empty")
        try await store.close()
    }

    /// A store whose database is unreachable fails each call with a store error, not a crash.
    @Test func unreachableDatabaseFailsCalls() async throws {
        guard PostgresTestCluster.available else { return }
        var options = PostgresMailStore.Options()
        options.logger = Logger(label: "hato.store.test")
        let store = PostgresMailStore(
            connection: PostgresConnectionSettings(host: "127.0.0.1", port: 1, username: "hato", database: "nowhere", tls: .disable),
            options: options)
        await #expect(throws: MailStoreError.self) { _ = try await store.domains() }
        try? await store.close()
    }

    @Test func connectionURLs() throws {
        let settings = try PostgresConnectionSettings(url: "postgres://hato@db.example.test:6543/mail", password: "pw", tls: .require)
        #expect(settings == PostgresConnectionSettings(host: "db.example.test", port: 6543, username: "hato", password: "pw", database: "mail",
                                                       tls: .require))
        #expect(settings.displayURL == "postgres://hato@db.example.test:6543/mail")
        #expect(try PostgresConnectionSettings(url: "postgresql://u@[::1]/d", password: nil, tls: .disable).host == "::1")
        for bad in ["mysql://u@h/d", "postgres://u:secret@h/d", "postgres://h/d", "postgres://u@h", "postgres://u@h:0/d", "postgres://u@/d"] {
            #expect(throws: PostgresConnectionSettings.InvalidURL.self, "\(bad)") {
                _ = try PostgresConnectionSettings(url: bad, password: nil, tls: .disable)
            }
        }
    }
}

/// The start-up sweep removes a body nothing refers to (what a crash between a commit and its
/// clean-up leaves) and keeps every body a message holds.
@Suite struct PostgresOrphanSweepTests {
    @Test func sweepRemovesOnlyUnreferencedBodies() async throws {
        guard let test = try await testDatabase() else { return }
        let (cluster, database) = test
        let store = openStore(cluster, database)
        try await store.addDomain(try Domain("example.test"))
        let account = try await store.addAccount(try EmailAddress("erin@example.test"), credentials: [], quota: .unlimited)
        let inbox = try #require(try await store.mailbox(of: account.id, named: "INBOX"))
        let kept = Array("Subject: kept\r\n\r\nkept\r\n".utf8)
        _ = try await store.append(AppendRequest(bytes: kept), to: inbox.id)
        // A body written without the rows that would refer to it, as a crash would leave it.
        let blobs = store.blobs
        let orphan = try await store.read { db in try await blobs.put(Array("orphan".utf8), on: db) }
        #expect(try await store.readBody(orphan) == Array("orphan".utf8))
        #expect(try await store.sweepOrphanBodies(minimumAge: 3600) == 0, "a fresh body is left alone (it may be in a transaction)")
        #expect(try await store.sweepOrphanBodies(minimumAge: 0) == 1)
        await #expect(throws: MailStoreError.self) { _ = try await store.readBody(orphan) }
        let message = try #require(try await store.messages(in: inbox.id).first)
        #expect(try await store.readBody(message.body) == kept, "a referenced body stays")
        try await store.close()
    }
}
