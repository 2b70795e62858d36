/// RFC 8474 object identifiers: `objectid = 1*255(ALPHA / DIGIT / "_" / "-")` (§7).
public enum IMAPObjectID {
    /// MAILBOXID (§4): "M" and the mailbox's UIDVALIDITY. A store hands each mailbox a
    /// UIDVALIDITY once, never reused and kept across RENAME, so the ID is as stable as §4 asks;
    /// STATUS carries the UIDVALIDITY as the value and the encoder writes the ID.
    public static func mailbox(uidValidity: UInt32) -> String { "M\(uidValidity)" }

    /// objectid; longer ones and other characters are not IDs (§7).
    public static func isValid<S: StringProtocol>(_ s: S) -> Bool {
        !s.isEmpty && s.utf8.count <= 255 && s.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
        }
    }
}
