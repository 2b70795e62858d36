/// An EHLO keyword the server offers (RFC 5321 §4.1.1.1), and the EHLO reply built from them.
public enum SMTPCapability: Sendable, Hashable {
    /// RFC 2920.
    case pipelining
    /// RFC 1870 §4: "SIZE" [SP number]; nil or 0 advertises no fixed maximum.
    case size(Int?)
    /// RFC 6152.
    case eightBitMIME
    /// RFC 6531.
    case smtpUTF8
    /// RFC 2034.
    case enhancedStatusCodes
    /// RFC 3207. Offered only before TLS.
    case startTLS
    /// RFC 4954: the SASL mechanisms offered now (upper case).
    case auth([String])
    /// RFC 3030 §2: CHUNKING (BDAT).
    case chunking
    /// RFC 3030 §3: BINARYMIME (requires CHUNKING).
    case binaryMIME
    /// RFC 3461: DSN.
    case dsn
    /// RFC 8689 §2: REQUIRETLS. Offered only over TLS (§2: the option is only valid on a TLS session).
    case requireTLS

    /// The ehlo-line (keyword and parameters).
    public var ehloLine: String {
        switch self {
        case .pipelining: "PIPELINING"
        case .size(let limit): limit.map { "SIZE \(max($0, 0))" } ?? "SIZE"
        case .eightBitMIME: "8BITMIME"
        case .smtpUTF8: "SMTPUTF8"
        case .enhancedStatusCodes: "ENHANCEDSTATUSCODES"
        case .startTLS: "STARTTLS"
        case .auth(let mechanisms): (["AUTH"] + mechanisms.map { $0.uppercased() }).joined(separator: " ")
        case .chunking: "CHUNKING"
        case .binaryMIME: "BINARYMIME"
        case .dsn: "DSN"
        case .requireTLS: "REQUIRETLS"
        }
    }

    var extensionFlag: SMTPExtensions {
        switch self {
        case .pipelining: .pipelining
        case .size: .size
        case .eightBitMIME: .eightBitMIME
        case .smtpUTF8: .smtpUTF8
        case .enhancedStatusCodes: .enhancedStatusCodes
        case .startTLS: .startTLS
        case .auth: .auth
        case .chunking: .chunking
        case .binaryMIME: .binaryMIME
        case .dsn: .dsn
        case .requireTLS: .requireTLS
        }
    }
}

/// Which extensions are in effect on this connection now; the command parser accepts the
/// commands and MAIL/RCPT parameters of these only (others: 502 or 555).
public struct SMTPExtensions: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let pipelining = SMTPExtensions(rawValue: 1 << 0)
    public static let size = SMTPExtensions(rawValue: 1 << 1)
    public static let eightBitMIME = SMTPExtensions(rawValue: 1 << 2)
    public static let smtpUTF8 = SMTPExtensions(rawValue: 1 << 3)
    public static let enhancedStatusCodes = SMTPExtensions(rawValue: 1 << 4)
    public static let startTLS = SMTPExtensions(rawValue: 1 << 5)
    public static let auth = SMTPExtensions(rawValue: 1 << 6)
    public static let chunking = SMTPExtensions(rawValue: 1 << 7)
    public static let binaryMIME = SMTPExtensions(rawValue: 1 << 8)
    public static let dsn = SMTPExtensions(rawValue: 1 << 9)
    public static let requireTLS = SMTPExtensions(rawValue: 1 << 10)

    /// Everything the grammar knows.
    public static let all: SMTPExtensions = [
        .pipelining, .size, .eightBitMIME, .smtpUTF8, .enhancedStatusCodes, .startTLS, .auth, .chunking, .binaryMIME, .dsn, .requireTLS,
    ]

    public init(_ capabilities: [SMTPCapability]) {
        self = capabilities.reduce(into: []) { $0.insert($1.extensionFlag) }
    }
}

extension SMTPReply {
    // ehlo-ok-rsp = ( "250" SP Domain [ SP ehlo-greet ] CRLF )
    //             / ( "250-" Domain [ SP ehlo-greet ] CRLF
    //                 *( "250-" ehlo-line CRLF )
    //                 "250" SP ehlo-line CRLF )                       (RFC 5321 §4.1.1.1)
    /// The EHLO reply: the server's name and greeting, then one line per capability. It has no
    /// enhanced code (RFC 2034 §4 exempts replies to HELO and EHLO).
    public static func ehlo(domain: String, greeting: String? = nil, capabilities: [SMTPCapability]) -> SMTPReply {
        let first = greeting.map { "\(domain) \($0)" } ?? domain
        return SMTPReply(250, nil, [first] + capabilities.map(\.ehloLine))
    }

    /// The HELO reply (RFC 5321 §4.1.1.1): one line, no extensions.
    public static func helo(domain: String, greeting: String? = nil) -> SMTPReply {
        SMTPReply(250, nil, greeting.map { "\(domain) \($0)" } ?? domain)
    }
}
