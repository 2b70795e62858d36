// The positive and intermediate replies a session sends, with RFC 3463 codes where RFC 2034
// requires them (every 2xx/4xx/5xx except the greeting and the HELO/EHLO replies).
extension SMTPReply {
    private static func r(_ code: Int, _ s: Int, _ d: Int, _ text: String) -> SMTPReply {
        SMTPReply(code, .known(code / 100, s, d), text)
    }

    /// 220 greeting (RFC 5321 §4.2, §3.1): no enhanced code (RFC 2034 §4).
    public static func greeting(domain: String, text: String = "ESMTP Hato") -> SMTPReply {
        SMTPReply(220, nil, "\(domain) \(text)")
    }

    /// 221 2.0.0 (RFC 5321 §4.1.1.10).
    public static func closing(domain: String) -> SMTPReply {
        SMTPReply(221, .known(2, 0, 0), "\(domain) Service closing transmission channel")
    }

    /// 421 4.3.2 (RFC 5321 §3.8): the server is shutting down.
    public static func shuttingDown(domain: String) -> SMTPReply {
        SMTPReply(421, .known(4, 3, 2), "\(domain) Service not available, closing transmission channel")
    }

    /// 250 2.0.0 for RSET and NOOP.
    public static let ok = r(250, 0, 0, "OK")
    /// 250 2.1.0 (RFC 3463 X.1.0): MAIL accepted.
    public static let senderOK = r(250, 1, 0, "Sender OK")
    /// 250 2.1.5 (RFC 3463 X.1.5 "Destination address valid"): RCPT accepted.
    public static let recipientOK = r(250, 1, 5, "Recipient OK")
    /// 354 (RFC 5321 §4.1.1.4): no enhanced code on 3xx (RFC 2034 §4).
    public static let startMailInput = SMTPReply(354, nil, "Start mail input; end with <CRLF>.<CRLF>")
    /// 250 2.0.0: a BDAT chunk that was not the last (RFC 3030 §2).
    public static func chunkReceived(octets: Int) -> SMTPReply {
        r(250, 0, 0, "\(octets) octets received")
    }
    /// 250 2.0.0: the message is stored (after the final dot or BDAT LAST).
    public static func messageAccepted(id: String) -> SMTPReply {
        r(250, 0, 0, "OK queued as \(id)")
    }
    /// 252 2.5.0 (RFC 5321 §3.5.3): VRFY is not answered, but mail will be tried.
    public static let cannotVerify = r(252, 5, 0, "Cannot VRFY user, but will accept message and attempt delivery")
    /// 220 2.0.0 (RFC 3207 §4): the TLS handshake may begin.
    public static let readyToStartTLS = r(220, 0, 0, "Ready to start TLS")
    /// 235 2.7.0 (RFC 4954 §6).
    public static let authenticationSucceeded = r(235, 7, 0, "Authentication successful")
    /// 214 2.0.0 (RFC 5321 §4.1.1.8).
    public static func help(_ lines: [String]) -> SMTPReply {
        SMTPReply(214, .known(2, 0, 0), lines)
    }
    /// 334 SASL challenge (RFC 4954 §4), base64 text; no enhanced code.
    public static func authChallenge(_ base64: String) -> SMTPReply {
        SMTPReply(334, nil, base64)
    }
}
