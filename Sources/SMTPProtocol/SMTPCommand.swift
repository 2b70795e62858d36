/// A client command (RFC 5321 §4.1.1 and the extensions Hato implements).
public enum SMTPCommand: Sendable, Hashable {
    /// EHLO (RFC 5321 §4.1.1.1): Domain or address-literal.
    case ehlo(SMTPHost)
    /// HELO: RFC 5321 says Domain; an address literal is accepted too, as EHLO's.
    case helo(SMTPHost)
    /// MAIL FROM:Reverse-path [SP Mail-parameters] (§4.1.1.2).
    case mail(SMTPReversePath, SMTPMailParameters)
    /// RCPT TO:Forward-path [SP Rcpt-parameters] (§4.1.1.3).
    case rcpt(SMTPForwardPath, SMTPRcptParameters)
    /// DATA (§4.1.1.4).
    case data
    /// BDAT chunk-size [SP "LAST"] (RFC 3030 §2).
    case bdat(size: Int, last: Bool)
    /// RSET (§4.1.1.5).
    case rset
    /// VRFY SP String [SP "SMTPUTF8"] (§4.1.1.6, RFC 6531 §3.7.4.2).
    case vrfy(String, smtpUTF8: Bool)
    /// EXPN SP String [SP "SMTPUTF8"] (§4.1.1.7).
    case expn(String, smtpUTF8: Bool)
    /// HELP [SP String] (§4.1.1.8).
    case help(String?)
    /// NOOP [SP String] (§4.1.1.9).
    case noop
    /// QUIT (§4.1.1.10).
    case quit
    /// STARTTLS (RFC 3207 §4).
    case startTLS
    /// AUTH mechanism [SP initial-response] (RFC 4954 §4). The mechanism is upper-cased; the
    /// initial response is base64 text as sent, "=" standing for an empty response.
    case auth(mechanism: String, initialResponse: String?)

    /// The command word, for logs and metrics.
    public var keyword: String {
        switch self {
        case .ehlo: "EHLO"
        case .helo: "HELO"
        case .mail: "MAIL"
        case .rcpt: "RCPT"
        case .data: "DATA"
        case .bdat: "BDAT"
        case .rset: "RSET"
        case .vrfy: "VRFY"
        case .expn: "EXPN"
        case .help: "HELP"
        case .noop: "NOOP"
        case .quit: "QUIT"
        case .startTLS: "STARTTLS"
        case .auth: "AUTH"
        }
    }
}
