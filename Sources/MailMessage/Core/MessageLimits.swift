// Every limit the parser applies, in one place, with the RFC text that motivates it.

/// Caps that keep parsing bounded on hostile input. Exceeding one never fails the parse:
/// the parser stops descending or collecting and records a `MessageProblem`.
public struct MessageLimits: Sendable, Equatable, Codable {
    /// Deepest MIME nesting (multipart and message/rfc822 levels) parsed as a tree.
    /// RFC 2046 §5.1 sets no bound; deeper parts are kept as opaque leaves.
    public var maxDepth: Int
    /// Most header fields read from one header section. RFC 5322 §3.6 sets no bound.
    public var maxHeaderFields: Int
    /// Most children read from one multipart body.
    public var maxPartsPerMultipart: Int
    /// Most parts in the whole tree.
    public var maxTotalParts: Int
    /// Longest line RFC 5322 §2.1.1 allows (998 octets plus CRLF). Longer lines are accepted
    /// when parsing and reported; the builder never emits them.
    public var maxLineLength: Int

    public init(
        maxDepth: Int = 64, maxHeaderFields: Int = 10_000, maxPartsPerMultipart: Int = 10_000,
        maxTotalParts: Int = 50_000, maxLineLength: Int = 998
    ) {
        self.maxDepth = maxDepth
        self.maxHeaderFields = maxHeaderFields
        self.maxPartsPerMultipart = maxPartsPerMultipart
        self.maxTotalParts = maxTotalParts
        self.maxLineLength = maxLineLength
    }

    public static let `default` = MessageLimits()

    /// RFC 2047 §2: an encoded-word is at most 75 characters long.
    public static let maxEncodedWordLength = 75
    /// RFC 5322 §2.1.1: lines SHOULD be at most 78 characters (excluding CRLF).
    public static let recommendedLineLength = 78
    /// RFC 5322 §2.1.1: lines MUST be at most 998 characters (excluding CRLF).
    public static let hardLineLength = 998
}
