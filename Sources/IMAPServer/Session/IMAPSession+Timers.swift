import NIOCore

/// The autologout (RFC 9051 §5.4) and per-command deadlines. Both timers are armed once and,
/// when they fire before their deadline, armed again for exactly what is left, instead of being
/// re-armed at every read and cancelled after every command: scheduling and cancelling NIO
/// timers was about 150,000 instructions per round of the persistent IMAP loop (callgrind,
/// docs/PERFORMANCE.md 2026-12-06 night). The deadlines are the same: `idleTimeout` after the
/// client's last input, `commandTimeout` (plus the literal allowance) after a command's first octet.
extension IMAPSession {
    /// A command's deadline passed: it had `commandTimeout`, plus one second per
    /// `minimumLiteralRate` octets received (a large APPEND at a fair rate goes on; a client
    /// sending a byte a second does not).
    mutating func commandTimerFired(now: NIODeadline, outputWritable: Bool) -> [IMAPAction] {
        guard !isClosed else { return [] }
        guard let started = commandStarted else {
            commandTimerArmed = false  // armed for a command read since; the next one arms it
            return []
        }
        let allowed = TimeAmount.nanoseconds(settings.commandTimeout.components.seconds * 1_000_000_000)
            + .seconds(Int64(commandBytes / settings.minimumLiteralRate))
        let due = started + allowed
        // Our own work, or output the client has not read yet, is not the client's slowness.
        if busy || !outputWritable || due > now {
            // Not due (armed for an earlier command): exactly what is left of this one's time.
            let wait = busy || !outputWritable ? max(due - now, .seconds(1)) : due - now
            return [.armTimer(.command, .nanoseconds(wait.nanoseconds))]
        }
        logger.info("command too slow", metadata: ["octets": "\(commandBytes)"])
        return end(.commandTooSlow)
    }

    /// RFC 9051 §5.4 autologout: `idleTimeout` after the client's last input. The timer was
    /// armed before that input came (see `idleTimerArmed`): then it is armed for what is left.
    mutating func idleTimerFired(now: NIODeadline?) -> [IMAPAction] {
        guard !isClosed, state.user != nil else {
            idleTimerArmed = false
            return []
        }
        let timeout = TimeAmount(settings.idleTimeout)
        if let now, let lastInput, lastInput + timeout > now {
            return [.armTimer(.idle, .nanoseconds((lastInput + timeout - now).nanoseconds))]
        }
        return end(.idle)
    }
}
