import IMAPProtocol
import MailStore

/// RFC 5465 NOTIFY: the command, and the notifications it asks for. Notifications may go out at
/// any time (§3.1), but never inside another response: they are queued and written only when no
/// command is running, no command is half received and no FETCH is being streamed, or just
/// before a command's tagged reply (`finish`). While the client does not read, nothing is
/// written and the queue is bounded (`limits.imap_notify_queue`, then §5.8 overflow).
extension IMAPSession {
    mutating func notify(_ tag: String, _ command: IMAPNotifyCommand, _ user: AuthenticatedUser) -> [IMAPAction] {
        guard case .set(let status, let groups) = command else {
            stopNotify()
            return finish(tag, "NOTIFY completed")
        }
        if let violation = command.violation { return fail(tag, .notifyInvalid(violation)) }
        if NotifyPlan.unsupportedEvent(in: groups) != nil { return fail(tag, .notifyBadEvent) }
        return run(.notifySet(tag: tag, NotifyPlan(groups), user, status: status, limit: settings.notifyMaxMailboxes))
    }

    /// §3.1: the plan replaces the last one; with STATUS, a STATUS for each watched mailbox other
    /// than the selected one before the tagged OK; the OK also carries what the selected mailbox
    /// accumulated ("an implicit NOOP", `finish`).
    mutating func notifySet(_ tag: String, _ outcome: NotifySetOutcome) -> [IMAPAction] {
        guard let watched = outcome.watched else { return fail(tag, .notificationOverflow(limit: settings.notifyMaxMailboxes)) }
        guard let user = state.user else { return [] }
        stopNotify()
        notify.plan = outcome.plan
        notify.snapshot = outcome.snapshot
        notify.watched = watched
        let watch = NotifyWatch()
        notify.watch = watch
        var responses: [IMAPResponse] = []
        for status in outcome.statuses where status.mailbox.id != state.selected?.mailbox.id {
            let values = NotifyPlan.statusValues(status, modSeqs: enabled.modSeqs)
            notify.lastStatus[status.mailbox.id] = values
            if outcome.sendStatus { responses.append(.data(.status(IMAPMailboxName(status.mailbox.name), values))) }
        }
        let account = outcome.plan.needsAccountFeed ? user.accountID : nil
        return [.notifyWatch(watch, mailboxes: Set(watched.keys), account: account)] + send(responses)
            + finish(tag, "NOTIFY completed")
    }

    mutating func stopNotify() {
        notify.watch?.cancel()
        notify = NotifyState()
    }

    /// A watcher's report: queued as the responses §5 gives it, and written at once if nothing
    /// else is being said.
    mutating func notified(_ event: NotifyEvent, outputWritable: Bool) -> [IMAPAction] {
        guard !isClosed, let plan = notify.plan else { return [] }
        var actions: [IMAPAction] = []
        switch event {
        case .status(let id, let status):
            guard notify.watched[id] != nil, id != state.selected?.mailbox.id else { return [] }
            let values = NotifyPlan.statusValues(status, modSeqs: enabled.modSeqs)
            guard notify.lastStatus[id] != values else { return [] }
            notify.lastStatus[id] = values
            // A STATUS is the mailbox's whole state: one still waiting for the same mailbox is
            // replaced, so a busy mailbox and a slow reader do not fill the queue.
            let name = IMAPMailboxName(status.mailbox.name)
            notify.queue.removeAll { if case .data(.status(name, _)) = $0 { true } else { false } }
            notify.queue.append(.data(.status(name, values)))
        case .account(let change, let snapshot):
            notify.snapshot = snapshot
            if let index = notify.own.firstIndex(where: { $0.change == change }) {
                notify.own.remove(at: index)
            } else {
                notify.queue += Self.notifications(for: change, plan, snapshot)
            }
            // §6.4 and mailboxes created or renamed into a filter: the watched set follows.
            let watched = plan.watched(snapshot.boxes, subscriptions: snapshot.subscriptions)
            if watched.count > settings.notifyMaxMailboxes { return overflow() + pushNotifications(outputWritable: outputWritable) }
            if Set(watched.keys) != Set(notify.watched.keys), let watch = notify.watch, let user = state.user {
                actions.append(.notifyWatch(watch, mailboxes: Set(watched.keys), account: user.accountID))
            }
            notify.watched = watched
        }
        if notify.queue.count > settings.notifyMaxQueued { return overflow() + pushNotifications(outputWritable: outputWritable) }
        return actions + pushNotifications(outputWritable: outputWritable)
    }

    /// §5.8: "behave as if a NOTIFY NONE command had just been received", after saying so.
    private mutating func overflow() -> [IMAPAction] {
        logger.info("NOTIFY overflow", metadata: ["queued": "\(notify.queue.count)", "watched": "\(notify.watched.count)"])
        stopNotify()
        notify.queue = [.status(tag: nil, .ok, code: .other("NOTIFICATIONOVERFLOW", nil), text: "notifications stopped")]
        return []
    }

    /// §5.4-§5.7: the LIST or METADATA responses for a change, for the names the plan covers.
    static func notifications(for change: MailboxListChange, _ plan: NotifyPlan, _ snapshot: NotifySnapshot) -> [IMAPResponse] {
        let subscriptions = snapshot.subscriptions
        func list(_ name: String, oldName: String? = nil) -> IMAPResponse {
            .data(.list(IMAPListResponse(attributes: NotifyPlan.listAttributes(name, snapshot: snapshot), delimiter: Mailbox.hierarchySeparator,
                                         mailbox: IMAPMailboxName(name), oldName: oldName.map { IMAPMailboxName($0) })))
        }
        func wants(_ name: String, _ event: NotifyPlan.Events, subscribed: Set<String>? = nil) -> Bool {
            plan.events(for: name, subscriptions: subscribed ?? subscriptions).contains(event)
        }
        switch change {
        case .created(let name), .deleted(let name):
            // §5.4: "the mailbox itself and its direct parent (whether it is an existing mailbox
            // or not) are considered to be affected".
            var affected = [name]
            if let slash = name.lastIndex(of: Mailbox.hierarchySeparator) { affected.append(String(name[..<slash])) }
            return affected.filter { wants($0, .mailboxName) }.map { list($0) }
        case .renamed(let from, let to):
            // §5.4: one LIST for the new name with OLDNAME; none for the children.
            guard wants(to, .mailboxName) || wants(from, .mailboxName) else { return [] }
            return [list(to, oldName: from)]
        case .subscription(let name, _):
            // Unsubscribing leaves the `subscribed` filter; the change itself is still told.
            guard wants(name, .subscription, subscribed: subscriptions.union([name])) else { return [] }
            return [list(name)]
        case .metadata(let name?, let entries):
            guard wants(name, .mailboxMetadata) else { return [] }
            return [.data(.metadataEntries(IMAPMailboxName(name), entries))]
        case .metadata(nil, let entries):
            return plan.serverMetadata ? [.data(.metadataEntries(IMAPMailboxName(""), entries))] : []
        }
    }

    /// Writes the queued notifications when nothing else is being said (see the type's comment).
    mutating func pushNotifications(outputWritable: Bool) -> [IMAPAction] {
        guard outputWritable, !busy, pushesNow, !isClosed else { return [] }
        return send(takeNotifications())
    }

    mutating func takeNotifications() -> [IMAPResponse] {
        defer { notify.queue.removeAll() }
        return notify.queue
    }

    /// §5: a mailbox list change this session's command makes is not told back to it.
    mutating func expectOwn(_ tag: String, _ change: MailboxListChange) {
        guard notify.plan != nil else { return }
        notify.own.append((tag, change))
    }

    mutating func ownCommandFailed(_ tag: String) {
        notify.own.removeAll { $0.tag == tag }
    }
}

extension IMAPStepRunner {
    /// Reads what NOTIFY SET needs: the mailboxes and subscriptions, then the status of each
    /// mailbox the plan watches (none when there are more than `limit`).
    func notifySet(_ tag: String, _ plan: NotifyPlan, _ user: AuthenticatedUser, status: Bool, limit: Int) async -> IMAPStepResult {
        do {
            let snapshot = NotifySnapshot(mailboxes: try await store.mailboxes(of: user.accountID),
                                          subscriptions: try await store.subscriptions(of: user.accountID))
            let watched = plan.watched(snapshot.boxes, subscriptions: snapshot.subscriptions)
            var outcome = NotifySetOutcome(plan: plan, sendStatus: status, snapshot: snapshot, watched: nil, statuses: [])
            guard watched.count <= limit else { return .notifySet(tag: tag, outcome) }
            outcome.watched = watched
            for mailbox in snapshot.boxes where watched[mailbox.id] != nil {
                // A mailbox deleted meanwhile is left out (§3.1: names that do not exist are ignored).
                if let status = try? await store.status(mailbox.id) { outcome.statuses.append(status) }
            }
            return .notifySet(tag: tag, outcome)
        } catch {
            return .failed(tag: tag, .unavailable("read the mailboxes"))
        }
    }
}
