// What a reception stage decides. The SMTP session maps these to replies and never decides
// policy itself (the way Postfix keeps restriction classes apart from the protocol).

import SMTPProtocol

/// One stage's decision about a connection, a command or a message.
public enum ReceptionVerdict: Sendable, Equatable {
    /// Nothing to say: the next stage decides.
    case accept
    /// Accept, and mark the message (ignored before the message phase).
    case tag([ReceptionTag])
    /// Refuse for now (4xx): the client should try again later.
    case `defer`(ReceptionRefusal)
    /// Refuse for good (5xx).
    case reject(ReceptionRefusal)

    /// The refusal, for `defer` and `reject`.
    public var refusal: ReceptionRefusal? {
        switch self {
        case .defer(let refusal), .reject(let refusal): refusal
        case .accept, .tag: nil
        }
    }
}

/// A mark a message stage puts on an accepted message.
public enum ReceptionTag: Sendable, Equatable {
    /// Prepend this header field (one or more complete fields, each ending in CRLF).
    case header(String)
    /// Set this IMAP keyword on every local copy (RFC 9051 §2.3.2).
    case keyword(String)
    /// Deliver local copies to the Junk mailbox (RFC 6154 \Junk) with `$Junk` (RFC 5788).
    case junk
}

/// The reply that refuses something: a reply code with its enhanced status code (RFC 3463) and
/// the text the client sees, plus the cause that only the log sees.
public struct ReceptionRefusal: Error, Sendable, Equatable {
    public var code: Int
    public var enhancedCode: SMTPEnhancedStatusCode
    public var text: String
    public var cause: String?

    public init(_ code: Int, _ enhancedCode: SMTPEnhancedStatusCode, _ text: String, cause: String? = nil) {
        self.code = code
        self.enhancedCode = enhancedCode
        self.text = text
        self.cause = cause
    }

    /// Whether the refusal is temporary (4xx, RFC 5321 §4.2.1).
    public var isTemporary: Bool { code / 100 == 4 }
}
