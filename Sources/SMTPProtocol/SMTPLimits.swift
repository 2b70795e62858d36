/// Every SMTP limit in one place, with the RFC text that sets it.
///
/// The `static let`s are protocol facts; the stored properties are operator policy with defaults
/// (`[limits]` in the configuration). The initialiser clamps each policy value to the RFC minimum
/// a server must accept, so a configuration can never make Hato non-conforming.
public struct SMTPLimits: Sendable, Equatable {
    // MARK: protocol facts

    /// RFC 5321 §4.5.3.1.4: "The maximum total length of a command line including the command
    /// word and the <CRLF> is 512 octets. SMTP extensions may be used to increase this limit."
    public static let minimumCommandLineLength = 512
    /// RFC 4954 §4: with AUTH, "the maximum line length ... is increased to 12288 octets" for the
    /// AUTH command and the SASL responses that follow it.
    public static let minimumAuthLineLength = 12288
    /// RFC 5321 §4.5.3.1.1: a local-part is at most 64 octets (a "SHOULD be avoided", not a hard
    /// limit: long VERP/SRS local-parts exist, so only `maxPathLength` is enforced).
    public static let localPartLength = 64
    /// RFC 5321 §4.5.3.1.2 and RFC 1035 §2.3.4: a domain is at most 255 octets.
    public static let maxDomainLength = 255
    /// RFC 1035 §2.3.4: a label is at most 63 octets.
    public static let maxLabelLength = 63
    /// RFC 5321 §4.5.3.1.3: a reverse- or forward-path of 256 octets (with the punctuation) must be
    /// accepted; `maxPathLength` can only raise this.
    public static let minimumPathLength = 256
    /// RFC 5321 §4.5.3.1.5: a reply line, code and CRLF included, is at most 512 octets.
    public static let maxReplyLineLength = 512
    /// RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets with CRLF. Not enforced on input
    /// (8BITMIME and BINARYMIME content routinely exceeds it); DATA is decoded without buffering lines.
    public static let textLineLength = 1000
    /// RFC 5321 §4.5.3.1.7: a server must accept message content of at least 64K octets.
    public static let minimumMessageSize = 65_536
    /// RFC 5321 §4.5.3.1.8: at least 100 recipients must be buffered.
    public static let minimumRecipients = 100
    /// RFC 3461 §4.4: ENVID "MAY be up to 100 characters in length".
    public static let maxEnvelopeIDLength = 100
    /// RFC 3461 §4.2: ORCPT "MAY be up to 500 characters in length".
    public static let maxOriginalRecipientLength = 500
    /// RFC 1870 §3: size-value ::= 1*20DIGIT.
    public static let maxSizeDigits = 20
    /// RFC 4422 §3.1: sasl-mech = 1*20mech-char.
    public static let maxSASLMechanismLength = 20

    /// RFC 5321 §4.5.3.2: the server timeouts. §4.5.3.2.7: "An SMTP server SHOULD have a timeout of
    /// at least 5 minutes while it is awaiting the next command from the sender."
    public static let minimumCommandTimeout: Duration = .seconds(300)
    /// RFC 5321 §4.5.3.2.5 (data block, 3 minutes) is the client's; the server waits at least as
    /// long as for a command between blocks.
    public static let minimumDataBlockTimeout: Duration = .seconds(180)

    // MARK: policy (configurable)

    /// Longest command line accepted, CRLF included. Default 4096; never below 512.
    public var maxCommandLineLength: Int
    /// Longest AUTH command or SASL response line, CRLF included. Default and floor 12288.
    public var maxAuthLineLength: Int
    /// Longest reverse- or forward-path, angle brackets included. Default 512; never below 256.
    public var maxPathLength: Int
    /// Largest message accepted (advertised as SIZE, RFC 1870). Default 50 MiB; never below 64K.
    public var maxMessageSize: Int
    /// Most RCPT commands accepted in one transaction. Default 100; never below 100.
    public var maxRecipients: Int
    /// Protocol errors (4xx/5xx replies caused by the client) before the server replies 421 and
    /// closes. Policy only: RFC 5321 §4.1.4 lets a server close after repeated bad commands.
    public var maxErrors: Int
    /// How long the server waits for the next command line.
    public var commandTimeout: Duration
    /// How long the server waits for more DATA or BDAT bytes.
    public var dataTimeout: Duration
    /// How long a whole DATA or BDAT phase may take, plus `received / minDataRate` seconds for
    /// what has arrived, so a client trickling bytes cannot hold the session however often it
    /// sends one (policy; RFC 5321 §4.5.3.2 only bounds the silences).
    public var dataPhaseTimeout: Duration = .seconds(600)
    /// Bytes per second that extend `dataPhaseTimeout` for large messages.
    public var minDataRate: Int = 1024

    public init(
        maxCommandLineLength: Int = 4096,
        maxAuthLineLength: Int = SMTPLimits.minimumAuthLineLength,
        maxPathLength: Int = 512,
        maxMessageSize: Int = 50 * 1024 * 1024,
        maxRecipients: Int = 100,
        maxErrors: Int = 10,
        commandTimeout: Duration = .seconds(300),
        dataTimeout: Duration = .seconds(300)
    ) {
        self.maxCommandLineLength = max(maxCommandLineLength, Self.minimumCommandLineLength)
        self.maxAuthLineLength = max(maxAuthLineLength, Self.minimumAuthLineLength, self.maxCommandLineLength)
        self.maxPathLength = max(maxPathLength, Self.minimumPathLength)
        self.maxMessageSize = max(maxMessageSize, Self.minimumMessageSize)
        self.maxRecipients = max(maxRecipients, Self.minimumRecipients)
        self.maxErrors = max(maxErrors, 1)
        self.commandTimeout = max(commandTimeout, Self.minimumCommandTimeout)
        self.dataTimeout = max(dataTimeout, Self.minimumDataBlockTimeout)
    }
}
