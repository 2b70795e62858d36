import MailStore

/// The session's view of INBOX, fixed at login (RFC 1939 §5): message numbers, sizes and UIDs
/// do not change while the session lasts; DELE only marks, QUIT expunges.
struct Maildrop {
    let account: Account
    let inbox: Mailbox
    let messages: [StoredMessage]
    var deleted: Set<Int> = []

    /// 1-based message number to message, if it exists and is not marked deleted.
    func message(_ number: Int) -> StoredMessage? {
        guard number >= 1, number <= messages.count, !deleted.contains(number) else { return nil }
        return messages[number - 1]
    }

    var live: [(number: Int, message: StoredMessage)] {
        messages.enumerated().compactMap { deleted.contains($0.offset + 1) ? nil : ($0.offset + 1, $0.element) }
    }

    /// RFC 1939 §7 UIDL: 1-70 characters in 0x21-0x7E, unique and never reused in the maildrop.
    /// UIDVALIDITY.UID is both: UIDs are never reused within a UIDVALIDITY.
    func uniqueID(_ message: StoredMessage) -> String { "\(inbox.uidValidity).\(message.uid)" }

    var octets: Int64 { live.reduce(0) { $0 + $1.message.size } }
}
