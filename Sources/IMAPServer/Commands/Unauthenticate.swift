import IMAPProtocol
import ServerRuntime

/// RFC 8437 UNAUTHENTICATE: back to the not authenticated state on the same connection.
extension IMAPSession {
    /// §3: every piece of connection state is reset except TLS (and ID, which is only logged):
    /// the selected mailbox is left without expunging, the session slot is given back, what
    /// ENABLE turned on is off again (§4.1, CONDSTORE included), `$` is gone with the selection,
    /// and the pre-login command limit and login deadline apply again. The OK is never NO (§3).
    /// COMPRESS would have to end after the OK (§4.1); Hato does not offer UNAUTHENTICATE on a
    /// compressed connection (it leaves the capability list), so there it is BAD (§3).
    mutating func unauthenticate(_ tag: String, _ user: AuthenticatedUser) -> [IMAPAction] {
        guard !compressing else { return fail(tag, .unauthenticateWhileCompressing) }
        if state.selected != nil { deselect(user) }
        state = .notAuthenticated
        enabled = EnabledExtensions()
        stopNotify()  // RFC 8437 §3: the authenticated state's settings go with it (RFC 5465 NOTIFY too)
        applyEncoding()
        decoder.setMaxCommandSize(settings.limits.maxUnauthenticatedCommandSize)
        logger.info("unauthenticate", metadata: ["user": "\(user.address)"])
        idleTimerArmed = false
        return [.send([.status(tag: tag, .ok, text: "UNAUTHENTICATE completed; not authenticated")]),
                .releaseSessionSlot(user.accountID), .cancelTimer(.idle), .armTimer(.login, settings.loginTimeout)]
    }
}
