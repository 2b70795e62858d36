// Where an aggregate report goes: one rua= URI (RFC 9989 §4.7). Only mailto: is delivered here
// (RFC 9990 §4: email is the transport every reporter supports; https is not defined for
// aggregate reports). The obsolete "!size" suffix (RFC 7489 §6.2, RFC 9989 §4.8 obs-dmarc-uri)
// is honoured as an upper bound on the message size.

public struct ReportDestination: Sendable, Equatable {
    /// The mailbox, percent-decoded (RFC 6068 §2).
    public var address: String
    /// The domain part, lowercased.
    public var domain: String
    /// The largest report message the destination accepts, in octets; nil for no limit.
    public var maxSize: UInt64?

    public init(address: String, domain: String, maxSize: UInt64?) {
        self.address = address
        self.domain = domain
        self.maxSize = maxSize
    }

    /// "mailto:dmarc@example.com!10m" and the like; nil for other schemes and bad addresses.
    public init?(uri: String) {
        var text = Substring(uri.trimmingWhitespace)
        var size: UInt64?
        if let bang = text.lastIndex(of: "!") {
            guard let parsed = Self.size(text[text.index(after: bang)...]) else { return nil }
            size = parsed
            text = text[..<bang]
        }
        guard text.lowercased().hasPrefix("mailto:") else { return nil }
        var address = String(text.dropFirst("mailto:".count))
        // RFC 6068 §2: hfields after "?" are not for reports; only the address is used.
        if let question = address.firstIndex(of: "?") { address = String(address[..<question]) }
        guard let decoded = address.removingPercentEncodingStrict, let at = decoded.lastIndex(of: "@"), at != decoded.startIndex else { return nil }
        let domain = decoded[decoded.index(after: at)...]
        guard !domain.isEmpty, domain.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) else { return nil }
        self.init(address: decoded, domain: domain.lowercased(), maxSize: size)
    }

    /// RFC 7489 §6.2: 1*DIGIT [ "k" / "m" / "g" / "t" ], binary multiples.
    static func size(_ text: Substring) -> UInt64? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 12, let value = UInt64(digits) else { return nil }
        let shift: UInt64
        switch text.dropFirst(digits.count).lowercased() {
        case "": shift = 0
        case "k": shift = 10
        case "m": shift = 20
        case "g": shift = 30
        case "t": shift = 40
        default: return nil
        }
        let (result, overflow) = value.multipliedReportingOverflow(by: 1 << shift)
        return overflow ? UInt64.max : result
    }
}

extension String {
    var trimmingWhitespace: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }

    /// %XX decoding that refuses a stray "%" instead of passing it through.
    var removingPercentEncodingStrict: String? {
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next(), let low = iterator.next(), let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else { return nil }
            bytes.append(value)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
