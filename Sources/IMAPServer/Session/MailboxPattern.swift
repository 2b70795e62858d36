import MailStore

/// LIST / LSUB patterns (RFC 9051 §6.3.9): `*` matches any characters, `%` any characters but
/// the hierarchy delimiter. INBOX matches case-insensitively.
struct MailboxPattern {
    private let scalars: [Unicode.Scalar]
    private let delimiter: Unicode.Scalar = Mailbox.hierarchySeparator.unicodeScalars.first!

    /// RFC 9051 §6.3.9: the reference is prefixed to the pattern ("reference name" + "mailbox name").
    init(reference: String, pattern: String) {
        var full = reference + pattern
        // "inbox", "Inbox/..." name INBOX: normalise the first level so it compares exactly.
        let first = full.prefix { $0 != Mailbox.hierarchySeparator }
        if first.uppercased() == Mailbox.inbox { full = Mailbox.inbox + full.dropFirst(first.count) }
        scalars = Array(full.unicodeScalars)
    }

    func matches(_ name: String) -> Bool {
        Self.match(scalars[...], Array(name.unicodeScalars)[...], delimiter)
    }

    private static func match(_ p: ArraySlice<Unicode.Scalar>, _ n: ArraySlice<Unicode.Scalar>, _ d: Unicode.Scalar) -> Bool {
        guard let head = p.first else { return n.isEmpty }
        switch head {
        case "*":
            let rest = p.dropFirst()
            var tail = n
            while true {
                if match(rest, tail, d) { return true }
                guard !tail.isEmpty else { return false }
                tail = tail.dropFirst()
            }
        case "%":
            let rest = p.dropFirst()
            var tail = n
            while true {
                if match(rest, tail, d) { return true }
                guard let c = tail.first, c != d else { return false }
                tail = tail.dropFirst()
            }
        default:
            guard let c = n.first, c == head else { return false }
            return match(p.dropFirst(), n.dropFirst(), d)
        }
    }
}
