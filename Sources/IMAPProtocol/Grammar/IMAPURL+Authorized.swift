/// RFC 4467 §3 access identifiers.
public enum IMAPURLAccess: Sendable, Equatable {
    /// Any session in the authenticated or selected state.
    case anonymous
    /// Any logged-in user of this server.
    case authuser
    /// `user+<userid>`: only sessions logged in as that user (the %-decoded userid).
    case user(String)
    /// `submit+<userid>`: only a session authorized as a message submission entity.
    case submit(String)
}

/// An absolute IMAP URL with URLAUTH (RFC 4467 §9 `authimapurlfull` / `authimapurlrump`): the
/// owner whose mailbox access key signs it, the message or part it names, and the URLAUTH parts.
public struct IMAPAuthorizedURL: Sendable, Equatable {
    /// `enc-user`, %-decoded: the owner of the key table (RFC 4467 §7 GENURLAUTH (2)).
    public var owner: String
    /// `hostport` as written (signed with the rest; not compared with the server's name).
    public var host: String
    public var message: IMAPMessageURL
    /// `;EXPIRE=` as seconds since 1970-01-01T00:00:00Z (RFC 3339 `date-time`, offset applied).
    public var expire: Double?
    public var access: IMAPURLAccess
    /// `:<mech>:<token>`, uppercased mechanism and the token's octets; nil in a rump URL.
    public var mechanism: String?
    public var token: [UInt8]?
    /// The URL up to and with the access identifier, exactly as sent: the data the token signs
    /// (§6: removing ":<mech>:<token>" is the only change; no %-decoding, no case folding).
    public var rump: String
}

extension IMAPURL {
    /// Longest RFC 3339 `time-secfrac` kept; more digits are refused (no real clock has them).
    static let maxSecondFractionDigits = 9

    /// authimapurl = "imap://" enc-user [iauth] "@" hostport "/" imessagepart
    /// authimapurlfull = authimapurl iurlauth ; authimapurlrump = authimapurl iurlauth-rump
    /// iurlauth = iurlauth-rump ":" mechanism ":" enc-urlauth
    /// iurlauth-rump = [expire] ";URLAUTH=" access ; expire = ";EXPIRE=" date-time
    /// access = ("submit+" enc-user) / ("user+" enc-user) / "authuser" / "anonymous"
    /// mechanism = "INTERNAL" / 1*(ALPHA / DIGIT / "-" / ".") ; enc-urlauth = 32*HEXDIG
    /// enc-user = 1*achar ; iauth = ";AUTH=" ( "*" / enc-auth-type )   (RFC 4467 §9, RFC 5092 §11)
    ///
    /// `full`: the token is required (URLFETCH); otherwise it must be absent (GENURLAUTH). nil
    /// for anything else, including URLs naming a server, mailbox list, mailbox or search (§3).
    public static func parseAuthorized(_ url: String, full: Bool) -> IMAPAuthorizedURL? {
        let bytes = Array(url.utf8)
        let scheme = Array("imap://".utf8)
        guard bytes.count > scheme.count, zip(bytes, scheme).allSatisfy({ asciiUpper($0) == asciiUpper($1) }) else { return nil }
        var i = scheme.count
        func run(_ allowed: (UInt8) -> Bool) -> [UInt8] {
            let start = i
            while i < bytes.count, allowed(bytes[i]) { i += 1 }
            return Array(bytes[start..<i])
        }
        let user = run(isAChar)
        guard !user.isEmpty, let owner = decodedText(user) else { return nil }
        var cursor = Cursor(bytes: bytes, position: i)
        if cursor.keyword("AUTH") {
            i = cursor.position
            if i < bytes.count, bytes[i] == UInt8(ascii: "*") { i += 1 } else if run(isAChar).isEmpty { return nil }
        }
        guard i < bytes.count, bytes[i] == UInt8(ascii: "@") else { return nil }
        i += 1
        let host = run { isBChar($0) && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "@") || $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "]") }
        guard !host.isEmpty, i + 1 < bytes.count, bytes[i] == UInt8(ascii: "/"), bytes[i + 1] != UInt8(ascii: "/") else { return nil }
        guard bytes[(i + 1)...].allSatisfy({ isBChar($0) || $0 == UInt8(ascii: ";") }) else { return nil }
        cursor = Cursor(bytes: bytes, position: i + 1)
        guard let message = cursor.absolute(tail: true) else { return nil }
        var expire: Double?
        if cursor.keyword("EXPIRE") {
            guard let time = cursor.dateTime() else { return nil }
            expire = time
        }
        guard cursor.keyword("URLAUTH"), let access = cursor.access() else { return nil }
        let rump = String(decoding: bytes[..<cursor.position], as: UTF8.self)
        var authorized = IMAPAuthorizedURL(owner: owner, host: String(decoding: host, as: UTF8.self), message: message,
                                           expire: expire, access: access, rump: rump)
        guard full else { return cursor.position == bytes.count ? authorized : nil }
        guard cursor.skip(UInt8(ascii: ":")) else { return nil }
        let mechanism = cursor.run { isAlphaNumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
        guard !mechanism.isEmpty, cursor.skip(UInt8(ascii: ":")) else { return nil }
        let hex = cursor.run { Cursor.hex($0) != nil }
        guard hex.count >= 32, hex.count % 2 == 0, cursor.position == bytes.count else { return nil }
        authorized.mechanism = String(decoding: mechanism.map(asciiUpper), as: UTF8.self)
        authorized.token = stride(from: 0, to: hex.count, by: 2).map { Cursor.hex(hex[$0])! << 4 | Cursor.hex(hex[$0 + 1])! }
        return authorized
    }

    /// achar = uchar / "&" / "=" ; uchar = unreserved / pct-encoded / sub-delims-sh
    /// sub-delims-sh = "!" / "$" / "'" / "(" / ")" / "*" / "+" / ","      (RFC 5092 §11)
    static func isAChar(_ b: UInt8) -> Bool {
        isAlphaNumeric(b) || Array("-._~%!$'()*+,&=".utf8).contains(b)
    }

    static func isAlphaNumeric(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
    }

    /// %-decoded UTF-8 text, nil for a bad escape or invalid UTF-8.
    static func decodedText(_ bytes: [UInt8]) -> String? {
        Cursor.percentDecoded(bytes).flatMap { String(validating: $0, as: UTF8.self) }
    }
}

extension IMAPURL.Cursor {
    mutating func skip(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    mutating func run(_ allowed: (UInt8) -> Bool) -> [UInt8] {
        let start = position
        while position < bytes.count, allowed(bytes[position]) { position += 1 }
        return Array(bytes[start..<position])
    }

    /// access = ("submit+" enc-user) / ("user+" enc-user) / "authuser" / "anonymous"
    mutating func access() -> IMAPURLAccess? {
        let word = run { IMAPURL.isAChar($0) }
        let upper = String(decoding: word.map(asciiUpper), as: UTF8.self)
        if upper == "AUTHUSER" { return .authuser }
        if upper == "ANONYMOUS" { return .anonymous }
        for (prefix, make) in [("SUBMIT+", IMAPURLAccess.submit), ("USER+", IMAPURLAccess.user)] where upper.hasPrefix(prefix) {
            let user = Array(word.dropFirst(prefix.utf8.count))
            guard !user.isEmpty, let name = IMAPURL.decodedText(user) else { return nil }
            return make(name)
        }
        return nil
    }

    /// date-time = full-date "T" full-time ; full-date = date-fullyear "-" date-month "-" date-mday
    /// full-time = partial-time time-offset ; partial-time = time-hour ":" time-minute ":" time-second [time-secfrac]
    /// time-offset = "Z" / time-numoffset ; time-numoffset = ("+" / "-") time-hour ":" time-minute
    /// (RFC 3339 §5.6; "T" and "Z" in either case). Seconds since the epoch, the offset applied.
    mutating func dateTime() -> Double? {
        func digits(_ n: Int) -> Int? {
            guard bytes.count - position >= n else { return nil }
            var value = 0
            for b in bytes[position..<(position + n)] {
                guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(b - UInt8(ascii: "0"))
            }
            position += n
            return value
        }
        guard let year = digits(4), skip(UInt8(ascii: "-")), let month = digits(2), skip(UInt8(ascii: "-")), let day = digits(2),
              skip(UInt8(ascii: "T")) || skip(UInt8(ascii: "t")),
              let hour = digits(2), skip(UInt8(ascii: ":")), let minute = digits(2), skip(UInt8(ascii: ":")), let second = digits(2),
              (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year), hour <= 23, minute <= 59, second <= 60
        else { return nil }
        var fraction = 0.0
        if skip(UInt8(ascii: ".")) {
            let frac = run { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            guard !frac.isEmpty, frac.count <= IMAPURL.maxSecondFractionDigits else { return nil }
            fraction = Double(String(decoding: frac, as: UTF8.self)).map { $0 / pow10(frac.count) } ?? 0
        }
        var offset = 0
        if skip(UInt8(ascii: "Z")) || skip(UInt8(ascii: "z")) {
        } else {
            let sign: Int
            if skip(UInt8(ascii: "+")) { sign = 1 } else if skip(UInt8(ascii: "-")) { sign = -1 } else { return nil }
            guard let h = digits(2), skip(UInt8(ascii: ":")), let m = digits(2), h <= 23, m <= 59 else { return nil }
            offset = sign * (h * 3600 + m * 60)
        }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second - offset) + fraction
    }

    private func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { value, _ in value * 10 } }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
