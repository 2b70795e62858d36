/// Every limit the IMAP grammar layer enforces, in one place, with the RFC text behind it.
///
/// The framing decoder and the command parser read their bounds from a value of this type; the
/// server builds one from its configuration (`maxLiteralSize` is the message size limit).
/// Nothing in `IMAPProtocol` buffers more than these limits allow.
public struct IMAPLimits: Sendable, Equatable {
    /// Longest command line part (the octets between two literals, or up to CRLF), CRLF excluded.
    ///
    /// RFC 9051 §4 puts no limit on line length; RFC 7162 §4 asks servers to accept at least
    /// 8192 octets. The largest command the RFCs bound is an RFC 2971 ID at its own limits
    /// (`idCommandMaximum`: 30 pairs, fields of 30 and values of 1024 octets, about 32 KB as
    /// plain quoted strings and under 64 KB with every octet escaped), so the default is 64 KiB,
    /// as Dovecot's `imap_max_line_length`. A longer line is reported as `lineTooLong` and
    /// skipped without being buffered.
    public var maxLineLength: Int = 64 * 1_024

    /// Longest SASL response line in AUTHENTICATE (RFC 9051 §6.2.2, RFC 4959 initial responses
    /// share `maxLineLength`). Kerberos and OAuth tokens can exceed a command line, hence larger.
    public var maxAuthenticationLineLength: Int = 64 * 1_024

    /// Largest literal accepted in any command (RFC 9051 §4.3 "literal" is number64). This is the
    /// message size limit: APPEND above it is refused before the client sends the octets
    /// (synchronizing literal) or answered with `[TOOBIG]` (RFC 4469, RFC 7888 §4).
    public var maxLiteralSize: Int = 50 * 1_024 * 1_024

    /// Largest non-synchronizing literal: `nil` when LITERAL+ is advertised (the default; only
    /// `maxLiteralSize` applies), 4096 when LITERAL- is advertised (RFC 7888 §5).
    public var maxNonSynchronizingLiteralSize: Int? = nil

    /// Literals per command. LOGIN needs 2, APPEND with MULTIAPPEND (RFC 3502 §6.3.11) one per
    /// message; a client pasting literals into every astring of a SEARCH stays far below this.
    public var maxLiteralsPerCommand: Int = 1_000

    /// Octets of one command, all line parts and literals together. MULTIAPPEND can carry several
    /// messages, each up to `maxLiteralSize`; the total is still bounded.
    public var maxCommandSize: Int = 2 * 50 * 1_024 * 1_024

    /// Depth of nested parenthesised lists and search keys (`NOT`, `OR`, `(`) in one command.
    /// RFC 9051 §9 `search-key` and `tagged-ext-comp` are recursive; the grammar does not bound
    /// them, so a parser must (stack exhaustion otherwise).
    public var maxNestingDepth: Int = 64

    /// Ranges and numbers in one sequence set (RFC 9051 §9 `sequence-set`). mbsync and Thunderbird
    /// send long UID sets in UID FETCH/STORE; the line length bounds them too.
    public var maxSequenceSetElements: Int = 10_000

    /// Items in one FETCH attribute list, STATUS list, flag list, ENABLE list or ID list.
    public var maxListElements: Int = 1_000

    /// Longest LIST / LSUB reference plus pattern, in octets (RFC 9051 §6.3.9 sets no bound).
    /// Mailbox names are at most 512 octets in this server, so a longer pattern can only be an
    /// attack on the matcher; it gets `BAD [LIMIT]`.
    public var maxListPatternLength: Int = 1_024

    /// Octets of one command before the client has logged in, literals included (a LOGIN with
    /// two literals, an ID list). RFC 2971 §3.1 allows ID before login, and an ID at its own
    /// limits needs up to `idCommandMaximum` octets, so the bound is 64 KiB: the same as one
    /// AUTHENTICATE response line (`maxAuthenticationLineLength`), which a peer could already
    /// send before login. A peer that has not proved who it is never makes the server buffer
    /// more than that.
    public var maxUnauthenticatedCommandSize: Int = 64 * 1_024

    public init() {}

    /// RFC 7888 §5: with LITERAL-, non-synchronizing literals "MUST NOT be larger than 4096 bytes".
    public static let literalMinusMaximum = 4_096

    /// RFC 7162 §4: the command line length a server should accept at least.
    public static let recommendedLineLength = 8_192

    /// RFC 2971 §3.3: at most 30 field-value pairs, fields of at most 30 octets, values of at
    /// most 1024 octets.
    public static let idMaximumPairs = 30
    public static let idMaximumFieldLength = 30
    public static let idMaximumValueLength = 1_024

    /// The longest ID command within RFC 2971's limits, every field and value a quoted string
    /// with each octet escaped (`"\\"`, two octets each): `tag ID (` + 30 × (field SP value SP) + `)`,
    /// with a tag of up to 64 octets: 63,489 octets, within 64 KiB.
    public static let idCommandMaximum = 64 + 5 + idMaximumPairs * ((2 + 2 * idMaximumFieldLength) + 1 + (2 + 2 * idMaximumValueLength) + 1)

    /// RFC 9051 §5.4: the autologout timer, when present, is at least 30 minutes.
    public static let minimumAutologoutTimeout: Duration = .seconds(30 * 60)

    /// RFC 9051 §9 `number64`: 0 ... 9,223,372,036,854,775,807.
    public static let maxNumber64: UInt64 = UInt64(Int64.max)

    /// RFC 9051 §9 `number`: unsigned 32-bit.
    public static let maxNumber: UInt64 = UInt64(UInt32.max)
}
