/// Client-supplied text made safe for a log line: one line, printable ASCII, bounded.
///
/// Log lines are read by people and parsed by tools (fail2ban matches `remote=... user=...
/// authentication failed`): a user name carrying CR/LF could forge a whole line, ESC could drive
/// the operator's terminal, and a 10 KB argument would flood the log. Every value a client chose
/// (user names, HELO names, arguments, IDs) goes through `LogSafe.escaped` before it is logged.
public enum LogSafe {
    /// Longest escaped value logged, in characters, before the ellipsis.
    public static let maximumLength = 200

    /// `value` with control characters (C0, DEL, C1) as `\xNN`, other non-ASCII scalars as
    /// `\u{N}`, backslash and double quote escaped, and at most `maximumLength` characters
    /// followed by `…` when cut. The result is printable ASCII apart from that ellipsis.
    public static func escaped(_ value: some StringProtocol, maximumLength: Int = LogSafe.maximumLength) -> String {
        var result = ""
        result.reserveCapacity(min(value.utf8.count, maximumLength) + 8)
        var length = 0
        for scalar in value.unicodeScalars {
            let piece: String
            switch scalar.value {
            case 0x5C: piece = "\\\\"
            case 0x22: piece = "\\\""
            case 0x20...0x7E: piece = String(scalar)
            case 0x00...0x1F, 0x7F...0x9F: piece = "\\x" + hex(scalar.value, digits: 2)
            default: piece = "\\u{" + hex(scalar.value, digits: 1) + "}"
            }
            if length + piece.count > maximumLength { return result + "…" }
            result += piece
            length += piece.count
        }
        return result
    }

    /// `escaped` for an optional value, `-` when there is none.
    public static func escaped(_ value: (some StringProtocol)?) -> String {
        value.map { escaped($0) } ?? "-"
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
