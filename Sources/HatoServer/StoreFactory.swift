import Foundation
import Logging
import MailStore
import MailStoreSQLite

/// Opens the store a configuration names. The one place that picks the storage implementation:
/// everything outside HatoServer sees only `any MailStore`.
public enum StoreFactory {
    public static func open(_ config: HatoConfig, logger: Logger = Logger(label: "hato.store")) throws -> any MailStore {
        try openEmbedded(config, logger: logger)
    }

    /// Refuses a store a newer build migrated before anything is created in the data directory.
    static func refuseNewerFormat(_ config: HatoConfig) throws {
        try SQLiteMailStore.refuseNewerFormat(directory: config.dataDirectory, software: "hato \(HatoVersion.string)")
    }

    /// The embedded (SQLite) store itself, for the server's own start-up housekeeping.
    static func openEmbedded(_ config: HatoConfig, logger: Logger) throws -> SQLiteMailStore {
        var options = SQLiteMailStore.Options(maxMessageSize: config.limits.maxMessageSize, summarizer: MessageSummaries.summarizer(limits: config.limits.messageLimits))
        options.logger = logger
        options.software = "hato \(HatoVersion.string)"
        return try SQLiteMailStore(directory: config.dataDirectory, options: options)
    }
}
