// RFC 8474 object IDs of what the store holds.
import IMAPProtocol
import MailStore

enum ObjectIDs {
    /// MAILBOXID (§4.1).
    static func mailbox(_ mailbox: Mailbox) -> String { IMAPObjectID.mailbox(uidValidity: mailbox.uidValidity) }

    /// EMAILID (§5.1): "E" and the message's body reference. A body file is named once, at
    /// random, and never renamed; COPY and MOVE share it, so the ID stays with the content
    /// across mailboxes, and two messages share an ID only when they share their octets.
    /// Characters an objectid cannot have become "_"; the result is cut to 255 octets.
    static func email(_ message: StoredMessage) -> String {
        var id = "E"
        for b in message.body.path.utf8.prefix(254) {
            let ok = (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A) || b == UInt8(ascii: "-")
            id.unicodeScalars.append(Unicode.Scalar(ok ? b : UInt8(ascii: "_")))
        }
        return id
    }
}
