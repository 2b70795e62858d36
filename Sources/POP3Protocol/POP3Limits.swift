/// POP3 limits in one place.
public enum POP3Limits {
    /// RFC 2449 §4: commands are at most 255 octets including CRLF; RFC 5034 §4 lets AUTH
    /// responses be longer, so the server's configured line limit (`[limits] max_line_length`)
    /// bounds every line and 255 is only the floor.
    public static let minimumLineLength = 255
    /// RFC 2449 §4: "Responses ... may be up to 512 characters long, including the terminating
    /// CRLF". Every status line is cut to fit (it never carries client input, see POP3Response).
    public static let maxResponseLineLength = 512
    /// RFC 1939 §3: each argument may be up to 40 characters.
    public static let maxArgumentLength = 40
    /// RFC 1939 §3: the autologout timer is at least 10 minutes.
    public static let minimumIdleTimeout: Duration = .seconds(600)
}
