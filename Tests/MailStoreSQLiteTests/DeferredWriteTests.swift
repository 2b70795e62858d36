import Foundation
import GRDB
import HatoTesting
import MailCore
import MailStore
@testable import MailStoreSQLite
import Testing

/// Deferred writes (`WriteBatcher.submitDeferred`): the DMARC evaluation reception records for
/// every message rides the transaction of the delivery after it instead of a commit and a log
/// flush of its own (issue 24). What must hold: the evaluation is in the database, for another
/// process too, once the delivery after it is acknowledged; alone it still commits, after the
/// delay; this store's own readers and `close` see it at once; a failed one harms nothing else.
@Suite struct DeferredWriteTests {
    private func open(_ root: TemporaryDirectory) async throws -> (SQLiteMailStore, MailboxID) {
        let store = try SQLiteMailStore(directory: root.url)
        try await store.addDomain(try Domain("example.test"))
        let account = try await store.addAccount(try EmailAddress("a@example.test"), credentials: [], quota: .unlimited)
        return (store, try #require(try await store.mailbox(of: account.id, named: "INBOX")).id)
    }

    private func evaluation(_ from: String) -> DMARCEvaluationRecord {
        DMARCEvaluationRecord(
            evaluatedAt: Date(), sourceIP: "192.0.2.1", headerFrom: from, envelopeFrom: "bounce.\(from)",
            envelopeTo: ["example.test"], result: "pass", disposition: "none", policyOverride: nil, overrideComment: nil,
            policy: .init(domain: from, p: "reject", sp: nil, adkim: "r", testing: false), evaluatedPolicy: "reject",
            dkimAligned: true, spfAligned: false, dkim: [.init(domain: from, selector: "s1", result: "pass")],
            spfDomain: "bounce.\(from)", spfResult: "none", reportURIs: [])
    }

    private func count(_ pool: DatabasePool) throws -> Int {
        try pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM dmarc_evaluations") ?? -1 }
    }

    @Test func anEvaluationIsInTheDatabaseWhenTheDeliveryAfterItIsAcknowledged() async throws {
        let root = try TemporaryDirectory(prefix: "hato-deferred")
        let (store, inbox) = try await open(root)
        // Another connection to the file, as `hato` commands and a second process have: it sees
        // commits only, never this store's pending writes.
        let outside = try DatabasePool(path: root.url.appendingPathComponent("hato.sqlite").path)
        for n in 1...5 {
            try await store.recordDMARCEvaluationDeferred(evaluation("d\(n).example"))
            _ = try await store.append(AppendRequest(bytes: Array("Subject: \(n)\r\n\r\nbody\r\n".utf8)), to: inbox)
            #expect(try count(outside) == n)
        }
        try outside.close()
        try await store.close()
    }

    @Test func aDeferredWriteSharesTheTransactionOfTheWriteAfterIt() async throws {
        let root = try TemporaryDirectory(prefix: "hato-deferred")
        let (store, _) = try await open(root)
        // Its own batcher on the store's database, with a delay no test run reaches.
        let batcher = WriteBatcher(pool: store.pool, bodies: store.bodies, deferredDelay: .seconds(600))
        try await store.pool.write { try $0.execute(sql: "CREATE TABLE deferred_rows (name TEXT NOT NULL)") }
        for n in 1...3 {
            batcher.submitDeferred(WriteBatcher.Job(bodies: [], durable: false, work: { db in
                try db.execute(sql: "INSERT INTO deferred_rows (name) VALUES (?)", arguments: ["row \(n)"])
            }))
        }
        #expect(batcher.commits == 0, "a deferred write started a transaction of its own")
        let outcome = await batcher.submit(WriteBatcher.Job(bodies: [], work: { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM deferred_rows") ?? -1
        }))
        #expect(try outcome.get() as? Int == 3, "the deferred rows are written before the write after them")
        #expect(batcher.commits == 1 && batcher.writes == 4)
        #expect(batcher.flusher.flushes == 1)
        try await store.close()
    }

    /// A message refused at the end of DATA has nothing stored after its evaluation.
    @Test func aDeferredWriteAloneCommitsAfterTheDelayAndReadersSeeItAtOnce() async throws {
        let root = try TemporaryDirectory(prefix: "hato-deferred")
        let (store, _) = try await open(root)
        let outside = try DatabasePool(path: root.url.appendingPathComponent("hato.sqlite").path)
        try await store.recordDMARCEvaluationDeferred(evaluation("alone.example"))
        let deadline = Date().addingTimeInterval(10)
        while try count(outside) == 0, Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try count(outside) == 1, "the deferred evaluation never committed on its own")

        try await store.recordDMARCEvaluationDeferred(evaluation("read.example"))
        let read = try await store.dmarcEvaluations(from: .distantPast, to: .distantFuture, headerFrom: nil)
        #expect(read.map(\.headerFrom).sorted() == ["alone.example", "read.example"])
        try outside.close()
        try await store.close()
    }

    @Test func closeCommitsWhatWaits() async throws {
        let root = try TemporaryDirectory(prefix: "hato-deferred")
        let (store, _) = try await open(root)
        try await store.recordDMARCEvaluationDeferred(evaluation("closing.example"))
        try await store.close()
        let reopened = try SQLiteMailStore(directory: root.url)
        #expect(try await reopened.dmarcEvaluations(from: .distantPast, to: .distantFuture, headerFrom: nil).map(\.headerFrom)
            == ["closing.example"])
        try await reopened.close()
    }

    @Test func aFailedDeferredWriteIsReportedAndTheNextWriteCommits() async throws {
        let root = try TemporaryDirectory(prefix: "hato-deferred")
        let (store, inbox) = try await open(root)
        let failures = Counter()
        store.batcher.submitDeferred(WriteBatcher.Job(bodies: [], durable: false, work: { db in
            try db.execute(sql: "INSERT INTO no_such_table VALUES (1)")
        }, onFailure: { _ in failures.add() }))
        let stored = try await store.append(AppendRequest(bytes: Array("Subject: x\r\n\r\nbody\r\n".utf8)), to: inbox)
        #expect(failures.value == 1)
        #expect(try await store.messages(in: inbox).map(\.uid) == [stored.uid])
        try await store.close()
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
