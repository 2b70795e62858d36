import IMAPProtocol
import MailStore

/// RFC 3501 §2.3.2 \Recent: a message is recent in exactly one session, the first told about
/// it. Which messages no session has been told about is kept in the store
/// (`MessageStore.claimRecent`: the mailbox's first unclaimed UID, moved atomically), so
/// sessions of one process, of several processes and of several nodes sharing a store never
/// both see one; a session remembers its own recent messages here for as long as it has the
/// mailbox selected. SELECT claims what is unclaimed, and so does the session's change-feed
/// listener for each new message (delivery, another session's APPEND or COPY) and its own
/// APPEND, COPY or MOVE into the mailbox. EXAMINE claims nothing (RFC 3501 §6.3.2) but shows
/// what is unclaimed as recent. Sessions that enabled IMAP4rev2 neither see nor claim it
/// (RFC 9051 dropped \Recent); neither does POP3, which shares INBOX.
enum RecentMode: Sendable, Equatable {
    /// SELECT: new messages become recent for this session alone.
    case claim
    /// EXAMINE: unclaimed messages are shown as recent and left unclaimed.
    case peek

    /// The `through` for `claimRecent` when the session learns of messages up to `uid`.
    func through(_ uid: UInt32) -> UInt32? { self == .claim ? uid : nil }
}

extension SelectedMailbox {
    /// Messages in the view that are recent here (the `* n RECENT` count, RFC 3501 §7.3.2).
    var recentCount: UInt32 {
        recentMode == nil ? 0 : UInt32(recentInView)
    }

    /// UIDs recent in this session, for SEARCH RECENT/NEW/OLD.
    var recentUIDs: Set<UInt32> { recentMode == nil ? [] : recent }

    /// The session claimed these (or, for EXAMINE, saw them unclaimed): they are \Recent here.
    func markRecent(_ uids: [UInt32]) {
        guard recentMode != nil else { return }
        for uid in uids where recent.insert(uid).inserted && known[uid] != nil { recentInView += 1 }
    }

    /// FETCH FLAGS as this session shows them: `\Recent` added for its recent messages.
    func flagNames(_ uid: UInt32, _ flags: MessageFlags) -> [String] {
        recentMode != nil && recent.contains(uid) ? flags.names + ["\\Recent"] : flags.names
    }

    /// `* n EXISTS`, and for rev1 sessions the RECENT count with it (RFC 3501 §7.3.2: the
    /// client records every RECENT update; new messages change it).
    func existsUpdate() -> [IMAPResponse] {
        var out: [IMAPResponse] = [.data(.exists(count))]
        if recentMode != nil { out.append(.data(.recent(recentCount))) }
        return out
    }
}
