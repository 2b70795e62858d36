import IMAPProtocol
import MailStore

/// The flags a client is told about: FLAGS/PERMANENTFLAGS announcements and FETCH FLAGS as
/// this session shows them.
extension SelectedMailbox {
    /// FLAGS and PERMANENTFLAGS with every keyword announced so far (RFC 9051 §7.3.5, §7.1):
    /// at SELECT, and again whenever a keyword comes into use.
    var flagsAnnouncement: [IMAPResponse] {
        let systemFlags = SystemFlags.all.map(\.1)
        let keywords = announcedKeywords.values.sorted()
        var out: [IMAPResponse] = [.data(.flags(systemFlags + keywords))]
        out.append(.status(tag: nil, .ok, code: .permanentFlags(readOnly ? [] : systemFlags + keywords + ["\\*"]),
                           text: readOnly ? "no permanent flags in a read-only mailbox" : "flags permitted"))
        return out
    }

    /// RFC 3501 §7.2.6 / RFC 9051 §7.3.5: before the client sees a keyword in FETCH FLAGS (set by
    /// STORE, APPEND, COPY or another session), it hears an updated FLAGS and PERMANENTFLAGS.
    /// Empty when every keyword in `flags` was announced.
    func announce(_ flags: MessageFlags) -> [IMAPResponse] {
        var grew = false
        for keyword in flags.keywords where announcedKeywords[keyword.lowercased()] == nil {
            announcedKeywords[keyword.lowercased()] = keyword
            grew = true
        }
        return grew ? flagsAnnouncement : []
    }

    /// A FETCH response as this client is to see it: a keyword new to it announced first
    /// (`announce`), then the FETCH, with `\Recent` among its flags when it is recent here.
    func presented(_ number: UInt32, _ message: StoredMessage, _ items: [IMAPFetchItem]) -> [IMAPResponse] {
        var carriesFlags = false
        let shown = items.map { item -> IMAPFetchItem in
            guard case .flags = item else { return item }
            carriesFlags = true
            return .flags(flagNames(message.uid, message.flags))
        }
        return (carriesFlags ? announce(message.flags) : []) + [.data(.fetch(number, shown))]
    }
}
