/// RFC 5465 §8 (NOTIFY).
extension GrammarParser {
    /// notify = "NOTIFY" SP (notify-set / notify-none)
    /// notify-set = "SET" [status-indicator] SP event-groups ; status-indicator = SP "STATUS"
    /// notify-none = "NONE" ; event-groups = event-group *(SP event-group)
    mutating func notify() throws -> IMAPCommand {
        try sp()
        switch try keyword() {
        case "NONE": return .notify(.none)
        case "SET": break
        default: throw GrammarError("expected SET or NONE")
        }
        try sp()
        var status = false
        if peek() != UInt8(ascii: "(") {
            guard try keyword() == "STATUS" else { throw GrammarError("expected STATUS or an event group") }
            status = true
            try sp()
        }
        var groups = [try eventGroup()]
        while skip(UInt8(ascii: " ")) {
            guard groups.count < limits.maxListElements else { throw GrammarError("too many event groups", kind: .limitExceeded) }
            groups.append(try eventGroup())
        }
        return .notify(.set(status: status, groups))
    }

    /// event-group = "(" filter-mailboxes SP events ")"
    mutating func eventGroup() throws -> IMAPNotifyEventGroup {
        try expect(UInt8(ascii: "("))
        return try nested { p in
            let filter = try p.notifyFilter()
            try p.sp()
            let events = try p.notifyEvents()
            try p.expect(UInt8(ascii: ")"))
            return IMAPNotifyEventGroup(filter: filter, events: events)
        }
    }

    /// filter-mailboxes = filter-mailboxes-selected / filter-mailboxes-other
    /// filter-mailboxes-other = "inboxes" / "personal" / "subscribed" /
    ///     ( "subtree" SP one-or-more-mailbox ) / ( "mailboxes" SP one-or-more-mailbox )
    /// filter-mailboxes-selected = "selected" / "selected-delayed"
    mutating func notifyFilter() throws -> IMAPNotifyFilter {
        switch try keyword() {
        case "SELECTED": return .selected
        case "SELECTED-DELAYED": return .selectedDelayed
        case "INBOXES": return .inboxes
        case "PERSONAL": return .personal
        case "SUBSCRIBED": return .subscribed
        case "SUBTREE": try sp(); return .subtree(try oneOrMoreMailbox())
        case "MAILBOXES": try sp(); return .mailboxes(try oneOrMoreMailbox())
        default: throw GrammarError("unknown mailbox filter")
        }
    }

    /// one-or-more-mailbox = mailbox / many-mailboxes
    /// many-mailboxes = "(" mailbox *(SP mailbox) ")"
    mutating func oneOrMoreMailbox() throws -> [IMAPMailboxName] {
        guard peek() == UInt8(ascii: "(") else { return [try mailbox()] }
        return try parenthesized(allowEmpty: false) { try $0.mailbox() }
    }

    /// events = ( "(" event *(SP event) ")" ) / "NONE"  (NONE is the empty list)
    ///
    /// Also `event *(SP event)` without the parentheses, up to the group's ")": §3.1's example
    /// writes `(selected MessageNew (uid ...) MessageExpunge)` so.
    mutating func notifyEvents() throws -> [IMAPNotifyEvent] {
        if peek() == UInt8(ascii: "(") { return try parenthesized(allowEmpty: false) { try $0.notifyEvent() } }
        let start = position
        if try keyword() == "NONE", peek() == UInt8(ascii: ")") { return [] }
        position = start
        var events = [try notifyEvent()]
        while skip(UInt8(ascii: " ")) {
            guard events.count < limits.maxListElements else { throw GrammarError("too many events", kind: .limitExceeded) }
            events.append(try notifyEvent())
        }
        return events
    }

    /// event = message-event / mailbox-event / user-event / event-ext
    /// message-event = ( "MessageNew" [SP "(" fetch-att *(SP fetch-att) ")" ] ) / "MessageExpunge" /
    ///     "FlagChange" / "AnnotationChange"
    /// mailbox-event = "MailboxName" / "SubscriptionChange" / "MailboxMetadataChange"
    /// user-event = "ServerMetadataChange" ; event-ext = atom
    mutating func notifyEvent() throws -> IMAPNotifyEvent {
        let start = position
        let atom = try self.atom()
        let name = String(decoding: atom.map(asciiUpper), as: UTF8.self)
        switch name {
        case "MESSAGENEW":
            // The fetch-att list follows a space and "(" (a space then a letter is the next event).
            guard peek() == UInt8(ascii: " "), position + 1 < text.count, text[position + 1] == UInt8(ascii: "(") else {
                return .messageNew(nil)
            }
            try sp()
            return .messageNew(try parenthesized(allowEmpty: false) { try $0.fetchAttribute() })
        case "MESSAGEEXPUNGE": return .messageExpunge
        case "FLAGCHANGE": return .flagChange
        case "ANNOTATIONCHANGE": return .annotationChange
        case "MAILBOXNAME": return .mailboxName
        case "SUBSCRIPTIONCHANGE": return .subscriptionChange
        case "MAILBOXMETADATACHANGE": return .mailboxMetadataChange
        case "SERVERMETADATACHANGE": return .serverMetadataChange
        default: return .other(String(decoding: text[start..<position], as: UTF8.self))
        }
    }
}
