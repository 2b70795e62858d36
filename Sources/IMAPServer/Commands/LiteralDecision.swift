import IMAPProtocol
import MailStore

extension IMAPSession {
    /// A synchronizing literal waits for our `+`. APPEND data above the message size limit or the
    /// account's quota is refused now, before the client sends it (RFC 7888 §4, RFC 9208 §4.3
    /// OVERQUOTA, RFC 4469 TOOBIG); other literals only have to be small. A non-synchronizing
    /// literal (LITERAL+) is decided the same way while its octets arrive: a refused one is read
    /// and skipped, and the tagged NO or BAD goes out at once (RFC 7888 §4, first choice).
    mutating func decideLiteral(_ literal: IMAPPendingLiteral) -> [IMAPAction] {
        let size = literal.header.size
        // RFC 5464 §4.3: a metadata value over the limit is refused before its octets.
        if literal.commandName == "SETMETADATA", size > settings.metadataMaxSize {
            return refuseLiteral(literal.tag, .metadataTooLarge(limit: settings.metadataMaxSize))
        }
        guard let command = literal.commandName, IMAPCommandDecoder.messageCommands.contains(command) else {
            guard size <= settings.maxOtherLiteralSize else { return refuseLiteral(literal.tag, .literalTooLargeForCommand) }
            return acceptLiteral()
        }
        guard size <= settings.limits.maxLiteralSize else {
            return refuseLiteral(literal.tag, .messageTooLarge(limit: settings.limits.maxLiteralSize))
        }
        // No large literal is taken from a client that has not logged in.
        guard let user = state.user else { return refuseLiteral(literal.tag, .appendNeedsAuthentication) }
        // RFC 8508 §3.4: REPLACE's quota is the net of the append and the expunge, which the
        // store decides in its transaction; only the size limit is checked before the octets.
        guard command == "APPEND" else { return acceptLiteral() }
        return run(.checkQuota(tag: literal.tag, user.accountID, size: size))
    }

    mutating func quotaChecked(_ tag: String?, overQuota: Bool) -> [IMAPAction] {
        overQuota ? refuseLiteral(tag, .overQuota) : acceptLiteral()
    }

    private mutating func refuseLiteral(_ tag: String?, _ failure: IMAPFailure) -> [IMAPAction] {
        decoder.rejectLiteral()
        return fail(tag, failure)
    }

    private mutating func acceptLiteral() -> [IMAPAction] {
        let synchronizing = decoder.literalAwaitingDecision?.synchronizing ?? true
        decoder.acceptLiteral()
        // The client sends a non-synchronizing literal without waiting for "+".
        return synchronizing ? askForLiteral() : []
    }

    /// RFC 9051 §7.5 continuation request for a synchronizing literal; the literal that follows
    /// is acknowledged at once (see `TCPQuickAck`).
    func askForLiteral() -> [IMAPAction] {
        [.send([.continuation("Ready for literal data")]), .quickAck]
    }
}

extension IMAPStepRunner {
    /// Whether one more message of `size` octets would go over the account's quota.
    func overQuota(_ account: AccountID, size: Int) async -> Bool {
        guard let account = try? await store.accountQuota(id: account) else { return false }
        if let max = account.quota.maxBytes, account.usage.bytes + Int64(size) > max { return true }
        if let max = account.quota.maxMessages, account.usage.messages + 1 > max { return true }
        return false
    }
}
