import IMAPProtocol
import MailStore

/// CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE (RFC 9051 §6.3.4-§6.3.8, RFC 6154 §3 USE).
extension IMAPSession {
    mutating func create(_ tag: String, _ name: IMAPMailboxName, _ specialUse: [String], _ user: AuthenticatedUser) -> [IMAPAction] {
        // RFC 6154 §3: one special-use attribute per mailbox here; unknown ones are refused.
        var requested: SpecialUse? = nil
        if let first = specialUse.first {
            guard specialUse.count == 1, let known = SpecialUse.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(first) == .orderedSame }) else {
                return fail(tag, .unsupportedSpecialUse)
            }
            requested = known
        }
        // RFC 9051 §6.3.4: a trailing delimiter only says the name will have children.
        var target = name.name
        while target.hasSuffix(String(Mailbox.hierarchySeparator)) { target.removeLast() }
        expectOwn(tag, .created(name: Mailbox.normalize(target)))
        return run(.create(tag: tag, name: target, requested, user))
    }
}

extension IMAPStepRunner {
    func create(_ tag: String, _ full: String, _ use: SpecialUse?, _ user: AuthenticatedUser) async -> IMAPStepResult {
        let limit = configuration.maxMailboxes
        do {
            if try await store.mailbox(of: user.accountID, named: full) != nil { return .failed(tag: tag, .mailboxExists) }
            // RFC 9051 §6.3.4: superior hierarchical names are created as needed; a \Noselect
            // placeholder (a superior of an existing name) already is one and stays one.
            let existing = Set(try await store.mailboxes(of: user.accountID).map(\.name))
            let missing = Self.missingSuperiors(of: full, existing: existing.union(MailboxListing.superiors(of: existing)))
            if existing.count + missing.count + 1 > limit { return mailboxLimitReached(tag, limit) }
            for parent in missing { try await store.createMailbox(of: user.accountID, named: parent, specialUse: nil) }
            let created = try await store.createMailbox(of: user.accountID, named: full, specialUse: use)
            // RFC 8474 §4.1: the new mailbox's ID in the tagged OK.
            return .done(tag: tag, IMAPCompletion(code: .mailboxID(ObjectIDs.mailbox(created)), text: "CREATE completed"))
        } catch let error as MailStoreError {
            return .failed(tag: tag, .store(error))
        } catch {
            return .failed(tag: tag, .unavailable("create the mailbox"))
        }
    }

    /// RFC 9051 §6.3.5 (RFC 3501 §6.3.4): a mailbox with inferior hierarchical names is deleted
    /// (its messages with it) and its name stays as a `\Noselect` placeholder while names below
    /// it exist. Placeholders are not stored: a name is one while it is a superior of an existing
    /// mailbox, so deleting the last mailbox below it removes it too (as Dovecot does). Deleting
    /// a placeholder that still has inferiors is the §6.3.5 error (`NO [HASCHILDREN]`).
    func delete(_ tag: String, _ name: IMAPMailboxName, _ user: AuthenticatedUser) async -> IMAPStepResult {
        do {
            guard let mailbox = try await store.mailbox(of: user.accountID, named: name.name) else {
                let prefix = name.name + String(Mailbox.hierarchySeparator)
                if try await store.mailboxes(of: user.accountID).contains(where: { $0.name.hasPrefix(prefix) }) {
                    return .failed(tag: tag, .hasChildren)
                }
                return .failed(tag: tag, .noSuchMailbox(.nonExistent))
            }
            try await store.deleteMailbox(mailbox.id)
            return .deleted(tag: tag, mailbox.id)
        } catch let error as MailStoreError {
            return .failed(tag: tag, .store(error))
        } catch {
            return .failed(tag: tag, .unavailable("delete the mailbox"))
        }
    }

    /// RFC 9051 §6.3.6: renaming INBOX moves its messages to the new mailbox and leaves INBOX empty;
    /// missing superior names of the new name are created.
    func rename(_ tag: String, _ from: IMAPMailboxName, _ to: IMAPMailboxName, _ user: AuthenticatedUser) async -> IMAPStepResult {
        let limit = configuration.maxMailboxes
        do {
            guard let mailbox = try await store.mailbox(of: user.accountID, named: from.name) else {
                return try await renamePlaceholder(tag, from.name, to.name, user)
            }
            if try await store.mailbox(of: user.accountID, named: to.name) != nil { return .failed(tag: tag, .targetMailboxExists) }
            // RFC 9051 §6.3.6: superior hierarchical names of the new name are created as
            // needed, as for CREATE. After the move, so "a" renamed to "a/b" gets a new "a";
            // they count against the mailbox limit like created ones (renaming INBOX leaves
            // an empty INBOX behind: one more mailbox too).
            let before = try await store.mailboxes(of: user.accountID).map(\.name)
            var after = Set(before.map { Self.renamed($0, from: mailbox.name, to: to.name) })
            if mailbox.name == Mailbox.inbox { after.insert(Mailbox.inbox) }
            let missing = Self.missingSuperiors(of: to.name, existing: after.union(Self.placeholders(after, apartFrom: to.name)))
            if after.count + missing.count > max(limit, before.count) { return mailboxLimitReached(tag, limit) }
            try await store.renameMailbox(mailbox.id, to: to.name)
            for parent in missing where try await store.mailbox(of: user.accountID, named: parent) == nil {
                try await store.createMailbox(of: user.accountID, named: parent, specialUse: nil)
            }
            return .done(tag: tag, IMAPCompletion(text: "RENAME completed"))
        } catch let error as MailStoreError {
            return .failed(tag: tag, .store(error))
        } catch {
            return .failed(tag: tag, .unavailable("rename the mailbox"))
        }
    }

    /// RENAME of a `\Noselect` placeholder (RFC 9051 §6.3.6: inferior names are renamed too):
    /// each outermost mailbox below it moves, taking the names below it along.
    private func renamePlaceholder(_ tag: String, _ from: String, _ to: String, _ user: AuthenticatedUser) async throws -> IMAPStepResult {
        let all = try await store.mailboxes(of: user.accountID)
        let prefix = from + String(Mailbox.hierarchySeparator)
        let inferiors = all.filter { $0.name.hasPrefix(prefix) }
        guard !inferiors.isEmpty else { return .failed(tag: tag, .noSuchMailbox(.nonExistent)) }
        let names = Set(all.map(\.name))
        if inferiors.contains(where: { names.contains(Self.renamed($0.name, from: from, to: to)) }) || names.contains(to) {
            return .failed(tag: tag, .targetMailboxExists)
        }
        let after = Set(all.map { Self.renamed($0.name, from: from, to: to) })
        let missing = Self.missingSuperiors(of: to, existing: after.union(Self.placeholders(after, apartFrom: to)))
        if after.count + missing.count > max(configuration.maxMailboxes, all.count) { return mailboxLimitReached(tag, configuration.maxMailboxes) }
        let inferiorNames = Set(inferiors.map(\.name))
        let outermost = inferiors.filter { mailbox in
            !MailboxListing.superiors(of: [mailbox.name]).contains { $0.hasPrefix(prefix) && inferiorNames.contains($0) }
        }
        for mailbox in outermost { try await store.renameMailbox(mailbox.id, to: Self.renamed(mailbox.name, from: from, to: to)) }
        for parent in missing where try await store.mailbox(of: user.accountID, named: parent) == nil {
            try await store.createMailbox(of: user.accountID, named: parent, specialUse: nil)
        }
        return .done(tag: tag, IMAPCompletion(text: "RENAME completed"))
    }

    /// The `\Noselect` placeholders (superiors) of `names` other than those only the renamed
    /// subtree at `moved` makes: they stay placeholders; the new name's other superiors are created.
    static func placeholders(_ names: Set<String>, apartFrom moved: String) -> Set<String> {
        let prefix = moved + String(Mailbox.hierarchySeparator)
        return MailboxListing.superiors(of: names.filter { $0 != moved && !$0.hasPrefix(prefix) })
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
    private func mailboxLimitReached(_ tag: String, _ limit: Int) -> IMAPStepResult {
        logger.notice("mailbox limit reached", metadata: ["limit": "\(limit)"])
        return .failed(tag: tag, .tooManyMailboxes(limit: limit))
    }

    /// RFC 9051 §6.3.7-§6.3.8. Subscribing to a name that does not exist is allowed (§6.3.7).
    func subscribe(_ tag: String, _ name: IMAPMailboxName, _ subscribed: Bool, _ user: AuthenticatedUser) async -> IMAPStepResult {
        do {
            try await store.setSubscribed(subscribed, account: user.accountID, name: name.name)
            return .done(tag: tag, IMAPCompletion(text: subscribed ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed"))
        } catch {
            return .failed(tag: tag, .unavailable("change subscriptions"))
        }
    }
}
