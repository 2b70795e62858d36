import Foundation
import Logging
import MailStore
import MailStorePostgres
import MailStoreSQLite

/// Opens the store a configuration names. The one place that picks the storage implementation
/// (`[store] backend`): everything outside HatoServer sees only `any MailStore`.
public enum StoreFactory {
    public static func open(_ config: HatoConfig, logger: Logger = Logger(label: "hato.store")) throws -> any MailStore {
        switch config.store.backend {
        case .sqlite: try openEmbedded(config, logger: logger)
        case .postgres: try openShared(config, logger: logger)
        }
    }

    /// Refuses a store a newer build migrated before anything is created in the data directory
    /// (the PostgreSQL store checks its schema version when it connects).
    static func refuseNewerFormat(_ config: HatoConfig) throws {
        guard config.store.backend == .sqlite else { return }
        try SQLiteMailStore.refuseNewerFormat(directory: config.dataDirectory, software: "hato \(HatoVersion.string)")
    }

    /// The embedded (SQLite) store itself, for the server's own start-up housekeeping.
    static func openEmbedded(_ config: HatoConfig, logger: Logger) throws -> SQLiteMailStore {
        var options = SQLiteMailStore.Options(maxMessageSize: config.limits.maxMessageSize, summarizer: MessageSummaries.summarizer(limits: config.limits.messageLimits))
        options.logger = logger
        options.inlineBodyLimit = config.store.inlineBodyMax
        options.syncMailboxChanges = config.store.syncMailboxChanges
        options.software = "hato \(HatoVersion.string)"
        return try SQLiteMailStore(directory: config.dataDirectory, options: options)
    }

    /// The shared PostgreSQL store (docs/scaling.md); it connects on first use.
    static func openShared(_ config: HatoConfig, logger: Logger) throws -> PostgresMailStore {
        guard var connection = config.store.postgres else {
            throw ConfigError(file: nil, line: nil, message: "store.url is required with store.backend = \"postgres\"")
        }
        connection.password = try config.store.password()
        var options = PostgresMailStore.Options(maxMessageSize: config.limits.maxMessageSize,
                                                summarizer: MessageSummaries.summarizer(limits: config.limits.messageLimits))
        options.logger = logger
        options.software = "hato \(HatoVersion.string)"
        options.maxConnections = config.store.maxConnections
        options.chunkSize = config.store.chunkSize
        return PostgresMailStore(connection: connection, options: options)
    }
}
