// The store is closed last: after every listener and the queue in an orderly shutdown, and
// after every service has ended when the group was cancelled (a listener that could not bind
// cancels the rest at once; a read racing the close crashed in SQLite, ServeTests).

import Logging
import MailStore
import ServiceLifecycle
import Synchronization

/// Keeps the store open for the life of the server and closes it last, after every listener.
struct StoreService: Service {
    let closer: StoreCloser

    func run() async throws {
        try? await gracefulShutdown()
        // Cancelled (not shut down in order): the other services may still be reading, and a
        // read racing the close crashed in SQLite. `HatoService.run` closes the store once the
        // group has ended.
        guard !Task.isCancelled else { return }
        try await closer.close()
    }
}

/// Closes the store once, whichever comes first: the orderly shutdown (`StoreService`, told
/// last) or the end of the service group.
final class StoreCloser: Sendable {
    let store: any MailStore
    let logger: Logger
    private let closed = Mutex(false)

    init(store: any MailStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    func close() async throws {
        guard closed.withLock({ closed in defer { closed = true }; return !closed }) else { return }
        try await store.close()
        logger.info("store closed")
    }
}
