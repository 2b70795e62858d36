import IMAPProtocol
import MailStore

/// What a `NOTIFY SET` asked for (RFC 5465), and what follows from it for each mailbox name.
/// Pure: the session keeps one, the step runner uses it to pick the mailboxes to watch.
struct NotifyPlan: Sendable, Equatable {
    /// §3.1 BADEVENT "MUST list names of all events supported by the server". AnnotationChange
    /// is not among them: Hato has no per-message annotations (RFC 5257).
    static let supportedEvents = ["MessageNew", "MessageExpunge", "FlagChange", "MailboxName", "SubscriptionChange",
                                  "MailboxMetadataChange", "ServerMetadataChange"]

    /// The SELECTED / SELECTED-DELAYED group's message events (§6.1); nil when the command named
    /// neither, or gave it NONE.
    struct SelectedEvents: Sendable, Equatable {
        var delayed: Bool
        /// §5.2: the fetch-att list of MessageNew.
        var fetch: [IMAPFetchAttribute]?
        var flags: Bool
    }

    /// What one non-selected mailbox name gets.
    struct Events: OptionSet, Sendable, Hashable {
        let rawValue: Int
        /// MessageNew and MessageExpunge (§5: always together).
        static let messages = Events(rawValue: 1)
        static let flags = Events(rawValue: 2)
        static let mailboxName = Events(rawValue: 4)
        static let subscription = Events(rawValue: 8)
        static let mailboxMetadata = Events(rawValue: 16)
    }

    var selected: SelectedEvents?
    /// The groups of the other filters (§6.2-§6.6), in the order given.
    var groups: [IMAPNotifyEventGroup]
    /// §5.7 ServerMetadataChange, named in any group.
    var serverMetadata: Bool

    /// From a command that passed `IMAPNotifyCommand.violation` and `unsupportedEvent`.
    init(_ groups: [IMAPNotifyEventGroup]) {
        self.groups = groups.filter { !$0.filter.isSelected }
        serverMetadata = groups.contains { $0.events.contains(.serverMetadataChange) }
        selected = nil
        if let group = groups.first(where: { $0.filter.isSelected }), !group.events.isEmpty {
            var fetch: [IMAPFetchAttribute]?
            for case .messageNew(let attributes) in group.events { fetch = attributes }
            selected = SelectedEvents(delayed: group.filter == .selectedDelayed, fetch: fetch,
                                      flags: group.events.contains(.flagChange))
        }
    }

    /// The first event of the command the server does not offer (§3.1: NO [BADEVENT]).
    static func unsupportedEvent(in groups: [IMAPNotifyEventGroup]) -> IMAPNotifyEvent? {
        for group in groups {
            for event in group.events {
                switch event {
                case .annotationChange, .other: return event
                default: continue
                }
            }
        }
        return nil
    }

    /// The events the other groups give `name` (several groups may apply to one name, §6).
    func events(for name: String, subscriptions: Set<String>) -> Events {
        var out: Events = []
        for group in groups where Self.matches(group.filter, name, subscriptions: subscriptions) {
            for event in group.events {
                switch event {
                case .messageNew, .messageExpunge: out.insert(.messages)
                case .flagChange: out.insert(.flags)
                case .mailboxName: out.insert(.mailboxName)
                case .subscriptionChange: out.insert(.subscription)
                case .mailboxMetadataChange: out.insert(.mailboxMetadata)
                default: break
                }
            }
        }
        return out
    }

    /// §6.2-§6.6. Every mailbox of an account is in its personal namespace, and any of them can
    /// receive mail (Sieve `fileinto`), so `inboxes` is `personal` (§6.3 allows that). `subtree`
    /// is the name and the names below it; `mailboxes` the names as given, no wildcards (§6.6).
    static func matches(_ filter: IMAPNotifyFilter, _ name: String, subscriptions: Set<String>) -> Bool {
        switch filter {
        case .selected, .selectedDelayed: false
        case .inboxes, .personal: true
        case .subscribed: subscriptions.contains(name)
        case .subtree(let roots): roots.contains { name == $0.name || name.hasPrefix($0.name + "/") }
        case .mailboxes(let names): names.contains { $0.name == name }
        }
    }

    /// Whether the account-level feed is needed: for its own events, and to watch the mailboxes
    /// that come to match a filter (created, renamed, subscribed: §6.4 "MUST reevaluate").
    var needsAccountFeed: Bool { serverMetadata || groups.contains { !$0.events.isEmpty } }

    /// The mailboxes whose change feed the session listens to: those with message events.
    func watched(_ mailboxes: [Mailbox], subscriptions: Set<String>) -> [MailboxID: Events] {
        var out: [MailboxID: Events] = [:]
        for mailbox in mailboxes {
            let events = events(for: mailbox.name, subscriptions: subscriptions)
            if events.contains(.messages) { out[mailbox.id] = events }
        }
        return out
    }

    /// §5.2-§5.4: the STATUS items for a watched mailbox. MESSAGES, UIDNEXT and UIDVALIDITY for
    /// MessageNew and MessageExpunge (UIDVALIDITY: §5.1 asks that its change be told), UNSEEN
    /// (§5.1 MAY, so a \Seen change is told without CONDSTORE), HIGHESTMODSEQ with CONDSTORE
    /// or QRESYNC enabled (§5.1-§5.3 MUST).
    static func statusAttributes(modSeqs: Bool) -> [IMAPStatusAttribute] {
        [.messages, .uidNext, .uidValidity, .unseen] + (modSeqs ? [.highestModSeq] : [])
    }

    static func statusValues(_ status: MailboxStatus, modSeqs: Bool) -> [IMAPStatusValue] {
        statusAttributes(modSeqs: modSeqs).map { IMAPStatusValue($0, status.value(of: $0, appendLimit: 0)) }
    }

    /// The attributes LIST gives `name` now (§5.4, §5.5: "accurately computed"): a mailbox gets
    /// \HasChildren or \HasNoChildren and its special use; a name with mailboxes below it but
    /// none of its own is a \Noselect placeholder; a name that is neither is \NonExistent
    /// (RFC 5258 §3). \Subscribed when it is subscribed.
    static func listAttributes(_ name: String, snapshot: NotifySnapshot) -> [String] {
        let below = name + "/"
        let hasChildren = snapshot.mailboxes.keys.contains { $0.hasPrefix(below) }
        var attributes: [String]
        if let use = snapshot.mailboxes[name] {
            attributes = [hasChildren ? "\\HasChildren" : "\\HasNoChildren"]
            if let use { attributes.append(use.rawValue) }
        } else if hasChildren {
            attributes = ["\\Noselect", "\\HasChildren"]
        } else {
            attributes = ["\\NonExistent"]
        }
        if snapshot.subscriptions.contains(name) { attributes.append("\\Subscribed") }
        return attributes
    }
}

/// The account's mailbox names (with their special use) and subscriptions, read after a change
/// of the account-level feed.
struct NotifySnapshot: Sendable, Equatable {
    var boxes: [Mailbox]
    var mailboxes: [String: SpecialUse?]
    var subscriptions: Set<String>

    init(mailboxes: [Mailbox], subscriptions: [String]) {
        boxes = mailboxes
        self.mailboxes = Dictionary(mailboxes.map { ($0.name, $0.specialUse) }, uniquingKeysWith: { a, _ in a })
        self.subscriptions = Set(subscriptions)
    }
}
