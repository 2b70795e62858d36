/// RFC 5465 NOTIFY: `NOTIFY NONE` or `NOTIFY SET [STATUS] event-group ...`.
public enum IMAPNotifyCommand: Sendable, Equatable {
    case none
    case set(status: Bool, [IMAPNotifyEventGroup])
}

/// event-group = "(" filter-mailboxes SP events ")"; `events` empty is `NONE`.
public struct IMAPNotifyEventGroup: Sendable, Equatable {
    public var filter: IMAPNotifyFilter
    public var events: [IMAPNotifyEvent]

    public init(filter: IMAPNotifyFilter, events: [IMAPNotifyEvent]) {
        self.filter = filter
        self.events = events
    }
}

/// filter-mailboxes (RFC 5465 §6).
public enum IMAPNotifyFilter: Sendable, Equatable {
    case selected
    case selectedDelayed
    case inboxes
    case personal
    case subscribed
    case subtree([IMAPMailboxName])
    case mailboxes([IMAPMailboxName])

    /// §6.1: SELECTED and SELECTED-DELAYED refer to the selected mailbox only.
    public var isSelected: Bool {
        switch self {
        case .selected, .selectedDelayed: true
        default: false
        }
    }
}

/// event (RFC 5465 §5, §8): the message events, the mailbox events, the user event, and any
/// other atom (`event-ext`), which a server that does not know it refuses with BADEVENT.
public enum IMAPNotifyEvent: Sendable, Equatable {
    /// MessageNew with its optional fetch-att list (selected mailbox only, §5.2, §8).
    case messageNew([IMAPFetchAttribute]?)
    case messageExpunge
    case flagChange
    case annotationChange
    case mailboxName
    case subscriptionChange
    case mailboxMetadataChange
    case serverMetadataChange
    /// event-ext: the atom as sent.
    case other(String)

    /// The event-name of §8 (the BADEVENT list spells them so).
    public var name: String {
        switch self {
        case .messageNew: "MessageNew"
        case .messageExpunge: "MessageExpunge"
        case .flagChange: "FlagChange"
        case .annotationChange: "AnnotationChange"
        case .mailboxName: "MailboxName"
        case .subscriptionChange: "SubscriptionChange"
        case .mailboxMetadataChange: "MailboxMetadataChange"
        case .serverMetadataChange: "ServerMetadataChange"
        case .other(let atom): atom
        }
    }

    /// message-event (§8): the only events SELECTED and SELECTED-DELAYED may name (§6.1).
    public var isMessageEvent: Bool {
        switch self {
        case .messageNew, .messageExpunge, .flagChange, .annotationChange: true
        default: false
        }
    }
}

extension IMAPNotifyCommand {
    /// The rules RFC 5465 makes BAD, checked after the grammar: at most one SELECTED or
    /// SELECTED-DELAYED group (§6.1), only message events in it (§6.1), a fetch-att list only
    /// there (§8), MessageNew and MessageExpunge together and FlagChange / AnnotationChange only
    /// with both (§5). Nil when the command is well formed.
    public var violation: String? {
        guard case .set(_, let groups) = self else { return nil }
        if groups.filter({ $0.filter.isSelected }).count > 1 { return "only one of SELECTED and SELECTED-DELAYED" }
        for group in groups {
            if group.filter.isSelected, group.events.contains(where: { !$0.isMessageEvent && !Self.isUnknown($0) }) {
                return "only message events for SELECTED"
            }
            if !group.filter.isSelected, group.events.contains(where: { if case .messageNew(.some) = $0 { true } else { false } }) {
                return "fetch attributes only for SELECTED"
            }
            let new = group.events.contains { if case .messageNew = $0 { true } else { false } }
            let expunge = group.events.contains(.messageExpunge)
            if new != expunge { return "MessageNew and MessageExpunge go together" }
            if !new, group.events.contains(where: { $0 == .flagChange || $0 == .annotationChange }) {
                return "FlagChange and AnnotationChange need MessageNew and MessageExpunge"
            }
        }
        return nil
    }

    private static func isUnknown(_ event: IMAPNotifyEvent) -> Bool {
        if case .other = event { true } else { false }
    }
}
