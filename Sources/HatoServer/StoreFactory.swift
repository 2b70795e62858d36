import Foundation
import Logging
import MailStore
import MailStoreSQLite

/// Opens the store a configuration names. The one place that picks the storage implementation.
public enum StoreFactory {
    public static func open(_ config: HatoConfig, logger: Logger = Logger(label: "hato.store")) throws -> SQLiteMailStore {
        var options = SQLiteMailStore.Options(maxMessageSize: config.limits.maxMessageSize, summarizer: MessageSummaries.summarizer)
        options.logger = logger
        return try SQLiteMailStore(directory: config.dataDirectory, options: options)
    }
}
