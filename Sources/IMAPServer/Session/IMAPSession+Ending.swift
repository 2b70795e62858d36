import IMAPProtocol
import ServerRuntime

extension IMAPSession {
    // MARK: ending

    /// The server ends the session: BYE, then close after it (`closeAfterLastReply`).
    mutating func end(_ reason: IMAPSessionEnd) -> [IMAPAction] {
        switch reason {
        case .idle, .noLogin, .commandTooSlow, .tooManyUpdates: logger.info("autologout", metadata: ["reason": "\(reason.text)"])
        case .shuttingDown, .mailboxDeleted, .literalTooLargeToSkip, .refusedInputTooLargeToSkip: break
        }
        return [.send([reason.response])] + closeSession()
    }

    mutating func closeForShutdown() -> [IMAPAction] { end(.shuttingDown) }

    /// RFC 9051 §7.1.5 BYE; RFC 2180 §3: the selected mailbox was deleted by another session.
    /// The client reconnects and sees the new mailbox list.
    mutating func mailboxGone() -> [IMAPAction] { end(.mailboxDeleted) }

    /// Ends the session after the replies already written.
    mutating func closeSession() -> [IMAPAction] { endSession() + [.close] }

    /// Releases the per-user session slot and stops listening to the change feed; input that
    /// still arrives is dropped.
    mutating func endSession() -> [IMAPAction] {
        var actions: [IMAPAction] = IMAPTimer.allCases.map { .cancelTimer($0) }
        idleTimerArmed = false
        commandTimerArmed = false
        if let user = state.user { actions.append(.releaseSessionSlot(user.accountID)) }
        state.selected?.feedTask?.cancel()
        stopNotify()
        state = .logout
        awaitingWritable = false
        fetch = nil
        return actions
    }
}
