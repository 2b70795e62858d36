import Foundation
import Logging
import MailStore
import PostgresNIO

/// The node's one `LISTEN` connection (docs/scaling.md, "Change feed"): every notice any node's
/// transaction sent with `PostgresMailStore.announce` is published into this process's
/// `ChangeFeed` (IMAP IDLE and the selected-mailbox views) and `QueueActivityFeed` (the outbound
/// scheduler), in commit order. The connection is outside the pool, so a busy pool never delays
/// a notice; when it drops, the listener reconnects after `reconnectDelay`.
struct PostgresChangeListener: Sendable {
    let settings: PostgresConnectionSettings
    let client: PostgresClient
    let feed: ChangeFeed
    let queueFeed: QueueActivityFeed
    let logger: Logger
    var reconnectDelay: Duration = .seconds(1)

    /// Runs until cancelled. `started` gets a value each time `LISTEN` is in place and is
    /// finished if the first attempt fails, so nothing waits for a listener that cannot start.
    func run(started: AsyncStream<Void>.Continuation) async {
        var first = true
        while !Task.isCancelled {
            do {
                let configuration = PostgresConnection.Configuration(
                    host: settings.host, port: settings.port, username: settings.username, password: settings.password,
                    database: settings.database, tls: try settings.tls.connectionTLS())
                let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
                do {
                    try await connection.listen(on: PGChangeNotice.channel) { notifications in
                        if !first {
                            // Sessions may have missed notices while the connection was down; they
                            // see those changes when they next open the mailbox.
                            logger.warning("change feed listener reconnected")
                        }
                        first = false
                        started.yield()
                        for try await notification in notifications { await deliver(notification.payload) }
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch {
                if Task.isCancelled { break }
                logger.error("change feed listener failed", metadata: ["error": "\(PostgresMailStore.describe(error))"])
                if first { started.finish() }
            }
            try? await Task.sleep(for: reconnectDelay)
        }
        started.finish()
    }

    func deliver(_ payload: String) async {
        switch PGChangeNotice.Payload(payload) {
        case .queue:
            queueFeed.publish()
        case .notice(let notice):
            publish(notice)
        case .account(let notice):
            feed.accounts.publish(notice.changes, for: AccountID(notice.account))
        case .stored(let id):
            do {
                let text = try await client.withConnection { db in
                    try await db.value("SELECT notice FROM change_notices WHERE id = \(id)", as: String.self)
                }
                guard let text else { return logger.warning("change notice gone before it was read", metadata: ["id": "\(id)"]) }
                if text.hasPrefix("m") {
                    let notice = try SQL.decode(PGAccountNotice.self, String(text.dropFirst()))
                    feed.accounts.publish(notice.changes, for: AccountID(notice.account))
                } else {
                    publish(try SQL.decode(PGChangeNotice.self, text))
                }
            } catch {
                logger.error("change notice unreadable", metadata: ["id": "\(id)", "error": "\(PostgresMailStore.describe(error))"])
            }
        case nil:
            logger.warning("unknown change notice ignored", metadata: ["payload": "\(payload.prefix(80))"])
        }
    }

    private func publish(_ notice: PGChangeNotice) {
        guard let changes = notice.mailboxChanges else {
            return logger.warning("unknown change kind ignored (a newer node?)", metadata: ["mailbox": "\(notice.mailbox)"])
        }
        let mailbox = MailboxID(notice.mailbox)
        if changes.contains(.mailboxRemoved) {
            feed.finish(mailbox)
        } else {
            feed.publish(changes, in: mailbox)
        }
    }
}
