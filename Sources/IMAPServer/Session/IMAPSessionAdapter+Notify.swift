import IMAPProtocol
import Logging
import MailStore
import NIOCore
import ServerRuntime

/// RFC 5465 NOTIFY's listeners: one task per watched mailbox reads the mailbox's status after
/// each change of its feed, one task reads the mailbox list after each change of the account
/// feed; both hand the result to the session on its event loop (`.notified`), in order.
extension IMAPSessionAdapter {
    func watch(_ watch: NotifyWatch, mailboxes: Set<MailboxID>, account: AccountID?, _ driver: Driver,
               _ context: ChannelHandlerContext) {
        let bound = NIOLoopBound((driver, context), eventLoop: context.eventLoop)
        let store = server.store
        @Sendable func report(_ event: NotifyEvent) {
            bound.eventLoop.execute {
                let (driver, context) = bound.value
                driver.feed(.notified(event, outputWritable: context.channel.isWritable), context)
            }
        }
        for (id, task) in watch.mailboxes where !mailboxes.contains(id) {
            task.cancel()
            watch.mailboxes[id] = nil
        }
        for id in mailboxes where watch.mailboxes[id] == nil {
            let stream = store.changes(in: id)
            watch.mailboxes[id] = Task {
                // Changes become "read the status again" signals that coalesce (newest one
                // kept): a burst of deliveries costs one read, not one per message, and the
                // session tells only what moved (`NotifyState.lastStatus`).
                let (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await change in stream {
                            if case .mailboxRemoved = change { break }
                            signal.yield()
                        }
                        signal.finish()
                    }
                    group.addTask {
                        for await _ in signals {
                            guard let status = try? await store.status(id), !Task.isCancelled else { continue }
                            report(.status(id, status))
                        }
                    }
                }
            }
        }
        guard let account else {
            watch.account?.cancel()
            watch.account = nil
            return
        }
        guard watch.account == nil else { return }
        let stream = store.mailboxListChanges(account: account)
        let logger = self.logger
        watch.account = Task {
            for await change in stream {
                do {
                    let snapshot = NotifySnapshot(mailboxes: try await store.mailboxes(of: account),
                                                  subscriptions: try await store.subscriptions(of: account))
                    guard !Task.isCancelled else { return }
                    report(.account(change, snapshot))
                } catch {
                    logger.warning("NOTIFY: could not read the mailbox list", metadata: ["error": "\(LogSafe.escaped("\(error)"))"])
                }
            }
        }
    }
}
