import IMAPProtocol
import MailStore
import NIOCore

/// CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE (RFC 9051 §6.3.4-§6.3.8, RFC 6154 §3 USE).
extension IMAPSessionHandler {
    func create(_ tag: String, _ name: IMAPMailboxName, _ specialUse: [String], _ user: AuthenticatedUser,
                _ context: ChannelHandlerContext) {
        // RFC 6154 §3: one special-use attribute per mailbox here; unknown ones are refused.
        var requested: SpecialUse? = nil
        if let first = specialUse.first {
            guard specialUse.count == 1, let known = SpecialUse.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(first) == .orderedSame }) else {
                return no(tag, "unsupported special-use attribute", code: .useAttr, context)
            }
            requested = known
        }
        let use = requested
        // RFC 9051 §6.3.4: a trailing delimiter only says the name will have children.
        var target = name.name
        while target.hasSuffix(String(Mailbox.hierarchySeparator)) { target.removeLast() }
        let full = target
        let store = server.store, limit = server.configuration.maxMailboxes
        perform(context) {
            do {
                if try await store.mailbox(of: user.accountID, named: full) != nil {
                    return { handler, context in handler.no(tag, "mailbox already exists", code: .alreadyExists, context) }
                }
                // RFC 9051 §6.3.4: superior hierarchical names are created as needed.
                let existing = Set(try await store.mailboxes(of: user.accountID).map(\.name))
                let missing = Self.missingSuperiors(of: full, existing: existing)
                if existing.count + missing.count + 1 > limit {
                    return { handler, context in handler.mailboxLimitReached(tag, limit, context) }
                }
                for parent in missing { try await store.createMailbox(of: user.accountID, named: parent, specialUse: nil) }
                try await store.createMailbox(of: user.accountID, named: full, specialUse: use)
                return { handler, context in handler.finish(tag, "CREATE completed", context) }
            } catch let error as MailStoreError {
                return { handler, context in handler.storeFailure(tag, error, context) }
            } catch {
                return { handler, context in handler.no(tag, "cannot create the mailbox now", code: .unavailable, context) }
            }
        }
    }

    func delete(_ tag: String, _ name: IMAPMailboxName, _ user: AuthenticatedUser, _ context: ChannelHandlerContext) {
        guard !name.isInbox else { return no(tag, "INBOX cannot be deleted", code: .cannot, context) }
        let store = server.store
        perform(context) {
            do {
                guard let mailbox = try await store.mailbox(of: user.accountID, named: name.name) else {
                    return { handler, context in handler.no(tag, "no such mailbox", code: .nonExistent, context) }
                }
                // RFC 9051 §6.3.5: a mailbox with inferiors is not removed here (no \Noselect
                // placeholders in this store).
                let prefix = mailbox.name + String(Mailbox.hierarchySeparator)
                if try await store.mailboxes(of: user.accountID).contains(where: { $0.name.hasPrefix(prefix) }) {
                    return { handler, context in handler.no(tag, "delete the mailboxes below it first", code: .hasChildren, context) }
                }
                try await store.deleteMailbox(mailbox.id)
                return { handler, context in
                    if handler.state.selected?.mailbox.id == mailbox.id {
                        // This session deleted its own selected mailbox: it returns to authenticated.
                        handler.deselect(user)
                    }
                    handler.finish(tag, "DELETE completed", context)
                }
            } catch let error as MailStoreError {
                return { handler, context in handler.storeFailure(tag, error, context) }
            } catch {
                return { handler, context in handler.no(tag, "cannot delete the mailbox now", code: .unavailable, context) }
            }
        }
    }

    /// RFC 9051 §6.3.6: renaming INBOX moves its messages to the new mailbox and leaves INBOX empty;
    /// missing superior names of the new name are created.
    func rename(_ tag: String, _ from: IMAPMailboxName, _ to: IMAPMailboxName, _ user: AuthenticatedUser,
                _ context: ChannelHandlerContext) {
        guard !to.isInbox else { return no(tag, "cannot rename to INBOX", code: .alreadyExists, context) }
        let store = server.store, limit = server.configuration.maxMailboxes
        perform(context) {
            do {
                guard let mailbox = try await store.mailbox(of: user.accountID, named: from.name) else {
                    return { handler, context in handler.no(tag, "no such mailbox", code: .nonExistent, context) }
                }
                if try await store.mailbox(of: user.accountID, named: to.name) != nil {
                    return { handler, context in handler.no(tag, "target mailbox already exists", code: .alreadyExists, context) }
                }
                // RFC 9051 §6.3.6: superior hierarchical names of the new name are created as
                // needed, as for CREATE. After the move, so "a" renamed to "a/b" gets a new "a";
                // they count against the mailbox limit like created ones (renaming INBOX leaves
                // an empty INBOX behind: one more mailbox too).
                let before = try await store.mailboxes(of: user.accountID).map(\.name)
                var after = Set(before.map { Self.renamed($0, from: mailbox.name, to: to.name) })
                if mailbox.name == Mailbox.inbox { after.insert(Mailbox.inbox) }
                let missing = Self.missingSuperiors(of: to.name, existing: after)
                if after.count + missing.count > max(limit, before.count) {
                    return { handler, context in handler.mailboxLimitReached(tag, limit, context) }
                }
                try await store.renameMailbox(mailbox.id, to: to.name)
                for parent in missing where try await store.mailbox(of: user.accountID, named: parent) == nil {
                    try await store.createMailbox(of: user.accountID, named: parent, specialUse: nil)
                }
                return { handler, context in handler.finish(tag, "RENAME completed", context) }
            } catch let error as MailStoreError {
                return { handler, context in handler.storeFailure(tag, error, context) }
            } catch {
                return { handler, context in handler.no(tag, "cannot rename the mailbox now", code: .unavailable, context) }
            }
        }
    }

    /// The superior names of `name` that are not in `existing`, outermost first.
    static func missingSuperiors(of name: String, existing: Set<String>) -> [String] {
        let levels = name.split(separator: Mailbox.hierarchySeparator)
        return levels.indices.dropLast().map { levels[...$0].joined(separator: String(Mailbox.hierarchySeparator)) }
            .filter { !existing.contains($0) }
    }

    /// A mailbox name after RENAME of `from` to `to` (the mailboxes below it move along).
    static func renamed(_ name: String, from: String, to: String) -> String {
        if name == from { return to }
        let prefix = from + String(Mailbox.hierarchySeparator)
        return name.hasPrefix(prefix) ? to + String(Mailbox.hierarchySeparator) + name.dropFirst(prefix.count) : name
    }

    /// RFC 9051 §7.1 `LIMIT`: the account has `IMAPConfiguration.maxMailboxes` mailboxes
    /// (each one costs a LIST line and store rows; 100,000 made LIST take minutes).
    func mailboxLimitReached(_ tag: String, _ limit: Int, _ context: ChannelHandlerContext) {
        logger.notice("mailbox limit reached", metadata: ["limit": "\(limit)"])
        finish(tag, status: .no, code: .limit, "too many mailboxes; the limit is \(limit) per account", context)
    }

    /// RFC 9051 §6.3.7-§6.3.8. Subscribing to a name that does not exist is allowed (§6.3.7).
    func subscribe(_ tag: String, _ name: IMAPMailboxName, _ subscribed: Bool, _ user: AuthenticatedUser,
                   _ context: ChannelHandlerContext) {
        let store = server.store
        perform(context) {
            do {
                try await store.setSubscribed(subscribed, account: user.accountID, name: name.name)
                return { handler, context in
                    handler.finish(tag, subscribed ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed", context)
                }
            } catch {
                return { handler, context in handler.no(tag, "cannot change subscriptions now", code: .unavailable, context) }
            }
        }
    }

    /// Store errors with their RFC 5530 response codes.
    func storeFailure(_ tag: String, _ error: MailStoreError, _ context: ChannelHandlerContext) {
        let code: IMAPResponseCode? = switch error {
        case .mailboxExists: .alreadyExists
        case .mailboxNotFound: .nonExistent
        case .invalidMailboxName: .cannot
        case .cannotDeleteInbox: .cannot
        case .quotaExceeded: .overQuota
        case .messageTooLarge: .tooBig
        case .messageNotFound: .nonExistent
        default: .unavailable
        }
        finish(tag, status: .no, code: code, error.description, context)
    }
}
