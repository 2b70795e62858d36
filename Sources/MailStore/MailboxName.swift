/// Mailbox name rules shared by every store (RFC 9051 §5.1).
public enum MailboxName {
    /// Longest name accepted, in UTF-8 octets; keeps LIST responses and paths bounded.
    public static let maxLength = 512
    public static let maxDepth = 32

    /// Validates and normalizes a name: INBOX in any case becomes "INBOX"; no empty levels, no
    /// leading or trailing separator, no control characters, bounded length and depth.
    public static func validate(_ name: String) throws(MailStoreError) -> String {
        let normalized = Mailbox.normalize(name)
        guard !normalized.isEmpty else { throw .invalidMailboxName(name, "empty") }
        guard normalized.utf8.count <= maxLength else { throw .invalidMailboxName(name, "longer than \(maxLength) octets") }
        guard !normalized.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .invalidMailboxName(name, "control characters")
        }
        guard !normalized.contains("*"), !normalized.contains("%") else {
            throw .invalidMailboxName(name, "the LIST wildcards * and % are not allowed in names")
        }
        let levels = normalized.split(separator: Mailbox.hierarchySeparator, omittingEmptySubsequences: false)
        guard levels.allSatisfy({ !$0.isEmpty }) else { throw .invalidMailboxName(name, "empty hierarchy level") }
        guard levels.count <= maxDepth else { throw .invalidMailboxName(name, "deeper than \(maxDepth) levels") }
        return normalized
    }
}
