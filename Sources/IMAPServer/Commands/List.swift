import IMAPProtocol
import MailStore

/// LIST (RFC 9051 §6.3.9, RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS, RFC 6154 SPECIAL-USE),
/// LSUB (RFC 3501 §6.3.9).
extension IMAPSession {
    mutating func list(_ tag: String, _ command: IMAPListCommand, _ user: AuthenticatedUser) -> [IMAPAction] {
        // RFC 9051 §6.3.9: an empty pattern asks for the delimiter and the root.
        if command.patterns == [""] && command.selectOptions.isEmpty {
            return send([.data(.list(IMAPListResponse(attributes: ["\\Noselect"], delimiter: Mailbox.hierarchySeparator,
                                                      mailbox: IMAPMailboxName(""))))]) + finish(tag, "LIST completed")
        }
        if let failure = patternRefusal(command.reference, command.patterns) { return fail(tag, failure) }
        return run(.list(tag: tag, command, user))
    }

    /// `IMAPLimits.maxListPatternLength` bounds reference + pattern (the matcher's work).
    func patternRefusal(_ reference: String, _ patterns: [String]) -> IMAPFailure? {
        let limit = settings.limits.maxListPatternLength
        guard patterns.contains(where: { reference.utf8.count + $0.utf8.count > limit }) else { return nil }
        return .patternTooLong(limit: limit)
    }
}

extension IMAPStepRunner {
    func list(_ tag: String, _ command: IMAPListCommand, _ user: AuthenticatedUser) async -> IMAPStepResult {
        let statusItems = command.returnOptions.compactMap { option -> [IMAPStatusAttribute]? in
            if case .status(let items) = option { return items }
            return nil
        }.first
        let appendLimit = configuration.limits.maxLiteralSize
        do {
            let mailboxes = try await store.mailboxes(of: user.accountID)
            let subscriptions = Set(try await store.subscriptions(of: user.accountID))
            let entries = MailboxListing(mailboxes: mailboxes, subscriptions: subscriptions).list(command)
            var responses: [IMAPResponse] = []
            for entry in entries {
                responses.append(.data(.list(entry.response)))
                // RFC 5819 §2: STATUS follows the LIST of each selectable mailbox.
                if let statusItems, let mailbox = entry.mailbox {
                    let status = try await store.status(mailbox.id)
                    responses.append(.data(.status(IMAPMailboxName(mailbox.name), statusItems.map {
                        IMAPStatusValue($0, status.value(of: $0, appendLimit: appendLimit))
                    })))
                }
            }
            return .done(tag: tag, IMAPCompletion(untagged: responses, text: "LIST completed"))
        } catch {
            return .failed(tag: tag, .unavailable("list mailboxes"))
        }
    }

    func lsub(_ tag: String, _ reference: String, _ pattern: String, _ user: AuthenticatedUser) async -> IMAPStepResult {
        do {
            let existing = Set(try await store.mailboxes(of: user.accountID).map(\.name))
            let subscriptions = Set(try await store.subscriptions(of: user.accountID))
            let entries = MailboxListing.lsub(subscriptions: subscriptions, existing: existing,
                                              matcher: MailboxPattern(reference: reference, pattern: pattern))
            let responses = entries.map { name, attributes in
                IMAPResponse.data(.lsub(IMAPListResponse(attributes: attributes, delimiter: Mailbox.hierarchySeparator,
                                                         mailbox: IMAPMailboxName(name))))
            }
            return .done(tag: tag, IMAPCompletion(untagged: responses, text: "LSUB completed"))
        } catch {
            return .failed(tag: tag, .unavailable("list subscriptions"))
        }
    }
}

/// The mailbox tree of one account, answering LIST with its selection and return options.
struct MailboxListing {
    struct Entry {
        var response: IMAPListResponse
        /// nil for names that do not exist (\NonExistent).
        var mailbox: Mailbox?
    }

    let mailboxes: [Mailbox]
    let subscriptions: Set<String>

    func list(_ command: IMAPListCommand) -> [Entry] {
        let matchers = command.patterns.map { MailboxPattern(reference: command.reference, pattern: $0) }
        let byName = Dictionary(mailboxes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let subscribedOnly = command.selectOptions.contains(.subscribed)
        let specialUseOnly = command.selectOptions.contains(.specialUse)
        let recursive = command.selectOptions.contains(.recursiveMatch)
        let returnSubscribed = subscribedOnly || command.returnOptions.contains(.subscribed)

        // Every name with an inferior, computed once (O(names × depth)); asking each name
        // "is anything below you?" over the whole list made LIST quadratic in the mailboxes.
        let parents = Self.superiors(of: byName.keys)
        let subscribedParents = recursive ? Self.superiors(of: subscriptions) : []
        // RFC 5258 §3.5: a parent that is not itself subscribed is listed (with CHILDINFO) only
        // when a subscribed descendant of it is not listed, i.e. does not match the patterns
        // (§5 example 9, "*2"); parents that do not exist are listed too, as \NonExistent (A2).
        let parentsOfUnlisted = recursive
            ? Self.superiors(of: subscriptions.filter { name in !matchers.contains { $0.matches(name) } }) : []
        var names = Set(byName.keys)
        // RFC 9051 §6.3.5: a superior name that is no mailbox (its mailbox was deleted while it
        // had inferiors) is a \Noselect placeholder, listed with \HasChildren.
        let placeholders = parents.subtracting(names)
        if !subscribedOnly { names.formUnion(placeholders) }
        if subscribedOnly {
            names.formUnion(subscriptions)
            names.formUnion(subscribedParents)
        }
        var out: [Entry] = []
        for name in names.sorted(by: Self.order) where matchers.contains(where: { $0.matches(name) }) {
            let mailbox = byName[name]
            var childInfo: [String] = []
            if subscribedOnly && recursive && subscribedParents.contains(name) { childInfo = ["SUBSCRIBED"] }
            if subscribedOnly && !subscriptions.contains(name) {
                // With RECURSIVEMATCH a parent of subscribed children is listed with CHILDINFO
                // ("SUBSCRIBED"); otherwise only subscribed names are.
                guard recursive, parentsOfUnlisted.contains(name) else { continue }
            }
            if specialUseOnly && mailbox?.specialUse == nil { continue }
            var attributes: [String] = []
            if let mailbox {
                attributes.append(parents.contains(name) ? "\\HasChildren" : "\\HasNoChildren")
                if let use = mailbox.specialUse { attributes.append(use.rawValue) }
            } else if !subscribedOnly && placeholders.contains(name) {
                attributes += ["\\Noselect", "\\HasChildren"]
            } else {
                attributes.append("\\NonExistent")
            }
            if returnSubscribed && subscriptions.contains(name) { attributes.append("\\Subscribed") }
            out.append(Entry(response: IMAPListResponse(attributes: attributes, delimiter: Mailbox.hierarchySeparator,
                                                        mailbox: IMAPMailboxName(name), childInfo: childInfo),
                             mailbox: mailbox))
        }
        return out
    }

    /// LSUB (RFC 3501 §6.3.9): the subscribed names that match, `\Noselect` for those that do
    /// not exist; and a name that is not subscribed but matches where a subscribed name below it
    /// does not ("foo" for `%` when only "foo/bar" is subscribed) is returned with `\Noselect`.
    /// Names with their attributes, in LIST order.
    static func lsub(subscriptions: Set<String>, existing: Set<String>, matcher: MailboxPattern) -> [(String, [String])] {
        var attributes: [String: [String]] = [:]
        for name in subscriptions {
            if matcher.matches(name) {
                attributes[name] = existing.contains(name) ? [] : ["\\Noselect"]
                continue
            }
            for superior in superiors(of: [name]) where !subscriptions.contains(superior) && matcher.matches(superior) {
                attributes[superior] = ["\\Noselect"]
            }
        }
        return attributes.keys.sorted(by: order).map { ($0, attributes[$0]!) }
    }

    /// Every proper superior name ("a" and "a/b" for "a/b/c") of the given names.
    static func superiors(of names: some Sequence<String>) -> Set<String> {
        var out = Set<String>()
        for name in names {
            var index = name.startIndex
            while let separator = name[index...].firstIndex(of: Mailbox.hierarchySeparator) {
                out.insert(String(name[..<separator]))
                index = name.index(after: separator)
            }
        }
        return out
    }

    /// INBOX first, then by name.
    static func order(_ a: String, _ b: String) -> Bool {
        if a == Mailbox.inbox { return b != Mailbox.inbox }
        if b == Mailbox.inbox { return false }
        return a < b
    }
}
