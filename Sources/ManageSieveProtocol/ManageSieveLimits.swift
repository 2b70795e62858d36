/// ManageSieve limits in one place (RFC 5804; docs/sieve.md "ManageSieve").
public enum ManageSieveLimits {
    /// RFC 5804 §4: `quoted = DQUOTE *1024QUOTED-CHAR DQUOTE`: at most 1024 octets between the quotes.
    public static let maxQuotedLength = 1024
    /// RFC 5804 §4: `number = 1*DIGIT ;; <= 4294967295`. A literal announcing more cannot be
    /// skipped in step with the client: the session ends with BYE.
    public static let maxNumber: UInt64 = 4_294_967_295
    /// Literals in one command: the most any command takes is two strings (PUTSCRIPT,
    /// RENAMESCRIPT, AUTHENTICATE); a few more are refused, not buffered.
    public static let maxLiteralsPerCommand = 4
    /// RFC 5804 §1.6: "Servers SHOULD allow names of up to 128 Unicode characters"; `hato sieve
    /// put` allows 255, and so does ManageSieve.
    public static let maxScriptNameLength = 255
    /// The shortest command line limit (`[limits] max_line_length` is never below it).
    public static let minimumLineLength = 512
}
