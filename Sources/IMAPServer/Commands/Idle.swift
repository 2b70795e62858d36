import IMAPProtocol
import MailStore

extension IMAPSession {
    /// RFC 2177 / RFC 9051 §6.3.13: updates are pushed as the change feed delivers them until
    /// the client sends DONE.
    mutating func idle(_ tag: String) -> [IMAPAction] {
        idleTag = tag
        decoder.setMode(.idle)
        var responses = pendingUpdates(allowExpunge: true)
        responses.append(.continuation("idling"))
        var actions = send(responses)
        if state.selected?.removed == true { return actions + mailboxGone() }
        actions += checkContextsNow()  // RFC 5267 §4.3.2: ADDTO/REMOVEFROM during IDLE too
        return actions
    }

    mutating func endIdle(done: Bool) -> [IMAPAction] {
        guard let tag = idleTag else { return [] }
        idleTag = nil
        return done ? finish(tag, "IDLE terminated") : fail(tag, .idleNotDone)
    }

    /// A change of the selected mailbox from the store's change feed. IDLE sends it at once;
    /// otherwise it waits for the next moment updates are allowed.
    mutating func heard(_ change: MailboxChange, generation: Int, outputWritable: Bool, recent: [UInt32] = []) -> [IMAPAction] {
        guard !isClosed, generation == selectionGeneration, let selected = state.selected else { return [] }
        selected.markRecent(recent)
        selected.receive(change)
        if selected.pendingCount > Self.maxPendingUpdates && !outputWritable || selected.pendingCount > 10 * Self.maxPendingUpdates {
            // The client reads none of what we tell it: the updates would grow without bound.
            return end(.tooManyUpdates)
        }
        guard !busy else { return [] }
        var actions: [IMAPAction] = []
        // Output backed up: the updates wait (coalesced by the next flush) until the client
        // has read what is queued; `.outputWritable` sends them.
        // RFC 5465 §4: IDLE sends what NOTIFY asked for too (MessageNew's FETCH); with NOTIFY
        // SELECTED the changes go out between commands as well (Notify/NotifySelected.swift).
        if (idleTag != nil || notifyPushesSelected) && outputWritable && pushesNow { actions += pushSelected() }
        // Between commands too: BYE may come at any time (RFC 9051 §7.1.5), and a client that
        // is not polling would otherwise keep a dead selection until its next command. Sent at
        // once when the session is idle or between commands, after the tagged reply when a
        // command is running.
        if selected.removed { actions += mailboxGone() }
        return actions
    }
}
