// Date and time (RFC 5322 §3.3, obsolete forms §4.3).
import Foundation

/// A Date header value: the instant plus the zone offset it was written in.
public struct MessageDate: Sendable, Equatable, Hashable, Codable {
    public var date: Date
    /// Offset from UTC in minutes as written; nil for "-0000" or an unknown zone (RFC 5322 §3.3).
    public var timeZoneOffsetMinutes: Int?

    public init(date: Date, timeZoneOffsetMinutes: Int?) {
        self.date = date
        self.timeZoneOffsetMinutes = timeZoneOffsetMinutes
    }

    /// date-time = [ day-of-week "," ] date time [CFWS]
    /// date = day month year ; time = time-of-day zone ; time-of-day = hour ":" minute [ ":" second ]
    /// obs: two- and three-digit years (§4.3: +1900 if >= 50 or three digits, else +2000),
    /// alphabetic zones (UT, GMT, EST ... PDT, military letters = -0000), comments, missing seconds.
    public init?(parsing text: String) {
        let words: [String]
        if let ascii = MessageDate.asciiWords(text) {
            words = ascii
        } else {
            var s = text
            // drop comments
            while let open = s.firstIndex(of: "("), let close = s[open...].firstIndex(of: ")") { s.removeSubrange(open...close) }
            // "," separates like white space.
            words = MessageDate.commasToSpaces(s).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" })
                .map(String.init)
        }
        var k = 0
        if k < words.count, words[k].first?.isLetter == true, MessageDate.month(words[k]) == nil { k += 1 }  // day-of-week
        guard k + 2 < words.count else { return nil }
        var dayWord = words[k], monthWord = words[k + 1]
        if Int(dayWord) == nil, Int(monthWord) != nil { swap(&dayWord, &monthWord) }  // "Jan 2 ..." form
        guard let day = Int(dayWord), (1...31).contains(day), let month = MessageDate.month(monthWord),
              var year = Int(words[k + 2]) else { return nil }
        if words[k + 2].count <= 3 { year += (words[k + 2].count == 3 || year >= 50) ? 1900 : 2000 }
        k += 3
        guard k < words.count else { return nil }
        let hms = words[k].split(separator: ":").map { Int($0) }
        guard hms.count >= 2, hms.allSatisfy({ $0 != nil }) else { return nil }
        let hour = hms[0]!, minute = hms[1]!, second = hms.count > 2 ? hms[2]! : 0
        guard (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        k += 1
        var offset: Int? = nil
        if k < words.count { offset = MessageDate.zone(words[k]) }
        var components = DateComponents()
        components.calendar = Calendar(identifier: .gregorian)
        components.timeZone = TimeZone(secondsFromGMT: 0)
        components.year = year; components.month = month; components.day = day
        components.hour = hour; components.minute = minute; components.second = min(second, 59)
        guard let utc = components.date else { return nil }
        self.date = utc.addingTimeInterval(-Double((offset ?? 0) * 60))
        self.timeZoneOffsetMinutes = offset
    }

    /// The words of an ASCII value without CR (a Date header once unfolded), comments dropped,
    /// found over its UTF-8 octets: each octet is then one Character, so this is what the
    /// Character-wise path gives, without grapheme breaking (18,000 instructions a header in
    /// callgrind). nil for anything else, which takes that path.
    static func asciiWords(_ text: String) -> [String]? {
        var bytes = Array(text.utf8)
        guard bytes.allSatisfy({ $0 < 0x80 && $0 != 0x0D }) else { return nil }
        while let open = bytes.firstIndex(of: UInt8(ascii: "(")), let close = bytes[open...].firstIndex(of: UInt8(ascii: ")")) {
            bytes.removeSubrange(open...close)
        }
        return bytes.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == UInt8(ascii: ",") })
            .map { String(decoding: $0, as: UTF8.self) }
    }

    /// `s.replacingOccurrences(of: ",", with: " ")`: byte for byte when `s` is ASCII (every
    /// Date field in practice; Foundation's search cost 31 K instructions a message), through
    /// Foundation otherwise, where its Unicode comparison could decide differently.
    static func commasToSpaces(_ s: String) -> String {
        guard s.utf8.allSatisfy({ $0 < 0x80 }) else { return s.replacingOccurrences(of: ",", with: " ") }
        return String(decoding: s.utf8.map { $0 == UInt8(ascii: ",") ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }

    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    static func month(_ w: String) -> Int? {
        let l = w.lowercased()
        guard l.count >= 3 else { return nil }
        return months.firstIndex(of: String(l.prefix(3))).map { $0 + 1 }
    }

    /// zone = (FWS ( "+" / "-" ) 4DIGIT) / obs-zone
    static func zone(_ w: String) -> Int? {
        if let sign = w.first, sign == "+" || sign == "-" {
            let digits = w.dropFirst()
            guard digits.count == 4, let v = Int(digits) else { return nil }
            if sign == "-" && v == 0 { return nil }
            let minutes = (v / 100) * 60 + v % 100
            return sign == "-" ? -minutes : minutes
        }
        switch w.uppercased() {
        case "UT", "UTC", "GMT", "Z": return 0
        case "EDT": return -4 * 60
        case "EST", "CDT": return -5 * 60
        case "CST", "MDT": return -6 * 60
        case "MST", "PDT": return -7 * 60
        case "PST": return -8 * 60
        case "JST": return 9 * 60
        default: return nil
        }
    }

    /// Formats as RFC 5322 §3.3 date-time, e.g. "Mon, 2 Jan 2006 15:04:05 +0900".
    public static func format(_ date: Date, timeZone: TimeZone = .current) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let offset = timeZone.secondsFromGMT(for: date) / 60
        let sign = offset < 0 ? "-" : "+"
        let zone = sign + pad(abs(offset) / 60) + pad(abs(offset) % 60)
        return "\(days[(c.weekday ?? 1) - 1]), \(c.day ?? 1) \(names[(c.month ?? 1) - 1]) \(c.year ?? 1970) "
            + "\(pad(c.hour ?? 0)):\(pad(c.minute ?? 0)):\(pad(c.second ?? 0)) \(zone)"
    }

    private static func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
