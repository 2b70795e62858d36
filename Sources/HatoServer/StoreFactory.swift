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

    /// The embedded (SQLite) store itself, for the server's own start-up housekeeping.
    static func openEmbedded(_ config: HatoConfig, logger: Logger) throws -> SQLiteMailStore {
        var options = SQLiteMailStore.Options(maxMessageSize: config.limits.maxMessageSize, summarizer: MessageSummaries.summarizer)
        options.logger = logger
        options.software = "hato \(HatoVersion.string)"
        return try SQLiteMailStore(directory: config.dataDirectory, options: options)
    }
}
