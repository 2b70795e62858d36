import Foundation
import Logging
import MailCore
import MailStore
import NIOCore
import PostgresNIO

/// The shared-database store (docs/scaling.md): metadata and message bodies in PostgreSQL, so
/// several Hato nodes can serve the same accounts. Bodies are content-addressed blobs
/// (`PostgresBlobStore`); UIDs and MODSEQs are allocated under a row lock on the mailbox, so they
/// stay strictly ascending per mailbox whichever node appends (RFC 9051 §2.3.1.1, RFC 7162 §3.1).
///
/// The schema is created at first use (idempotently, recorded in `hato_schema`); every operation
/// waits for it. Mailbox changes and queue work reach every node's in-process feeds through
/// LISTEN/NOTIFY (`PostgresChangeListener`, docs/scaling.md).
public final class PostgresMailStore: MailStore {
    let client: PostgresClient
    let logger: Logger
    let blobs: PostgresBlobStore
    let feed: ChangeFeed
    let queueFeed: QueueActivityFeed
    let summarizer: MessageSummarizer?
    let maxMessageSize: Int?
    private let runner: Task<Void, Never>
    private let ready: Task<Void, any Error>
    private let listener: Task<Void, Never>
    /// Ends when the change listener first has `LISTEN` in place (or its first attempt failed).
    private let listening: Task<Void, Never>

    public struct Options: Sendable {
        /// Largest message accepted by append and enqueue, in octets (`[limits] max_message_size`).
        public var maxMessageSize: Int?
        public var summarizer: MessageSummarizer?
        public var logger = Logger(label: "hato.store")
        /// Recorded in `hato_schema` when this build creates or upgrades the schema.
        public var software = "hato"
        /// Bodies above this are split into chunks of this many octets (docs/scaling.md).
        public var chunkSize = PostgresBlobStore.defaultChunkSize
        /// Connections this process keeps to the database at most.
        public var maxConnections = 20

        public init(maxMessageSize: Int? = nil, summarizer: MessageSummarizer? = nil) {
            self.maxMessageSize = maxMessageSize
            self.summarizer = summarizer
        }
    }

    /// Connects lazily: the pool starts now, the schema is created by the first operation's wait.
    public init(connection: PostgresConnectionSettings, options: Options = Options()) {
        var configuration = PostgresClient.Configuration(
            host: connection.host, port: connection.port, username: connection.username, password: connection.password,
            database: connection.database, tls: connection.tls.clientTLS)
        configuration.options.maximumConnections = max(1, options.maxConnections)
        let client = PostgresClient(configuration: configuration, backgroundLogger: options.logger)
        self.client = client
        let feed = ChangeFeed(), queueFeed = QueueActivityFeed()
        self.feed = feed
        self.queueFeed = queueFeed
        logger = options.logger
        blobs = PostgresBlobStore(chunkSize: options.chunkSize)
        summarizer = options.summarizer
        maxMessageSize = options.maxMessageSize
        runner = Task { await client.run() }
        let setupLogger = options.logger, software = options.software
        // The schema is set up over a connection of its own, outside the pool: a wrong password or
        // an unreachable host then fails at once with the server's reason, where the pool would
        // keep retrying for a minute and report only that it gave up.
        let readyTask = Task {
            let direct = PostgresConnection.Configuration(
                host: connection.host, port: connection.port, username: connection.username, password: connection.password,
                database: connection.database, tls: try connection.tls.connectionTLS())
            let setup = try await PostgresConnection.connect(configuration: direct, id: 0, logger: setupLogger)
            do {
                try await PostgresSchema.create(setup, software: software, logger: setupLogger)
            } catch {
                try? await setup.close()
                throw error
            }
            try await setup.close()
        }
        ready = readyTask
        let changeListener = PostgresChangeListener(
            settings: connection, client: client, feed: feed, queueFeed: queueFeed, logger: options.logger)
        let (started, startedSignal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        listener = Task {
            // After the schema exists: the listener reads `change_notices`.
            guard (try? await readyTask.value) != nil else { return startedSignal.finish() }
            await changeListener.run(started: startedSignal)
        }
        listening = Task {
            var iterator = started.makeAsyncIterator()
            _ = await iterator.next()
        }
    }

    public func close() async throws {
        _ = await ready.result
        listener.cancel()
        await listener.value
        runner.cancel()
        await runner.value
    }

    /// Waits for the schema; throws what creating it threw (an unreachable database, bad credentials).
    public func waitUntilReady() async throws {
        do {
            try await ready.value
            await listening.value
        } catch {
            throw MailStoreError.io("database: \(Self.describe(error))")
        }
    }

    /// One transaction on one pooled connection; retried (up to three times) when PostgreSQL
    /// aborts it for a deadlock or a serialization failure, which it may do under concurrency.
    @discardableResult
    func transaction<Result: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        try await waitUntilReady()
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await client.withConnection { connection in
                    try await connection.query("BEGIN", logger: SQL.logger)
                    do {
                        let result = try await body(connection)
                        try await connection.query("COMMIT", logger: SQL.logger)
                        return result
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: SQL.logger)
                        throw error
                    }
                }
            } catch let error as PSQLError where attempt < 3 && Self.isRetryable(error) {
                logger.debug("transaction retried", metadata: ["error": "\(Self.describe(error))"])
                continue
            } catch let error as MailStoreError {
                throw error
            } catch let error as SieveScriptNotFound {
                throw error
            } catch {
                throw MailStoreError.io("database: \(Self.describe(error))")
            }
        }
    }

    /// A read outside a transaction (one statement sees one snapshot).
    @discardableResult
    func read<Result: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        try await waitUntilReady()
        do {
            return try await client.withConnection { connection in try await body(connection) }
        } catch let error as MailStoreError {
            throw error
        } catch {
            throw MailStoreError.io("database: \(Self.describe(error))")
        }
    }

    static func isRetryable(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40P01" || state == "40001"
    }

    /// The server's message when there is one (PSQLError's description hides it).
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                return "\(message) (\(error.serverInfo?[.sqlState] ?? "?"))"
            }
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        return "\(error)"
    }
}
