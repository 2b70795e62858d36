/// What the peer said about itself in its EHLO reply (RFC 5321 §4.1.1.1), or that it only
/// answered HELO.
public struct SMTPServerCapabilities: Sendable, Equatable {
    /// The domain on the first line of the EHLO/HELO reply.
    public var serverName: String
    /// Keyword (upper case) to its parameters, from every ehlo-line after the first.
    public var keywords: [String: [String]]
    /// EHLO was refused and HELO used (RFC 5321 §4.1.4): no extensions at all.
    public var usedHELO: Bool

    public init(serverName: String = "", keywords: [String: [String]] = [:], usedHELO: Bool = false) {
        self.serverName = serverName
        self.keywords = keywords
        self.usedHELO = usedHELO
    }

    //  ehlo-ok-rsp = ( "250" SP Domain [ SP ehlo-greet ] CRLF ) / ( "250-" Domain [ SP ehlo-greet ] CRLF
    //                *( "250-" ehlo-line CRLF ) "250" SP ehlo-line CRLF )
    //  ehlo-line   = ehlo-keyword *( SP ehlo-param )
    //  ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")          (RFC 5321 §4.1.1.1)
    /// From a positive EHLO reply. Lines whose keyword breaks the grammar are skipped. The old
    /// "AUTH=LOGIN PLAIN" form (pre-RFC 4954 servers) counts as AUTH.
    public init(ehloReply: SMTPClientReply) {
        self.init(serverName: String(ehloReply.lines.first?.split(separator: " ").first ?? ""))
        for line in ehloReply.lines.dropFirst() {
            let words = line.split(separator: " ").map(String.init)
            guard var keyword = words.first?.uppercased() else { continue }
            var parameters = Array(words.dropFirst())
            if keyword.hasPrefix("AUTH=") {
                parameters.insert(String(keyword.dropFirst(5)), at: 0)
                keyword = "AUTH"
            }
            guard let first = keyword.unicodeScalars.first, ("A"..."Z").contains(first) || ("0"..."9").contains(first),
                  keyword.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
            else { continue }
            keywords[keyword, default: []] += parameters
        }
    }

    public func supports(_ keyword: String) -> Bool { keywords[keyword.uppercased()] != nil }

    /// RFC 2920.
    public var pipelining: Bool { supports("PIPELINING") }
    /// RFC 3207 (never true after TLS started: the client discards pre-TLS capabilities).
    public var startTLS: Bool { supports("STARTTLS") }
    /// RFC 6152.
    public var eightBitMIME: Bool { supports("8BITMIME") }
    /// RFC 6531.
    public var smtpUTF8: Bool { supports("SMTPUTF8") }
    /// RFC 3461.
    public var dsn: Bool { supports("DSN") }
    /// RFC 2034.
    public var enhancedStatusCodes: Bool { supports("ENHANCEDSTATUSCODES") }
    /// RFC 8689 (offered over TLS only).
    public var requireTLS: Bool { supports("REQUIRETLS") }
    /// RFC 3030.
    public var chunking: Bool { supports("CHUNKING") }
    /// RFC 1870: SIZE is offered (the limit may still be absent).
    public var size: Bool { supports("SIZE") }
    /// RFC 1870 §4: the fixed maximum message size; nil when absent or 0 ("no fixed maximum").
    public var maxMessageSize: Int? {
        guard let value = keywords["SIZE"]?.first.flatMap({ Int($0) }), value > 0 else { return nil }
        return value
    }
    /// RFC 4954: the SASL mechanisms offered (upper case).
    public var authMechanisms: [String] { (keywords["AUTH"] ?? []).map { $0.uppercased() } }
}
