import Foundation
import MailMessage

/// RFC 5260 §4.1 zone of a date test: the server's local zone (no argument), the zone the header
/// field was written in (`:originalzone`), or a given `+hhmm`/`-hhmm` (`:zone`, may hold variables).
public enum SieveDateZone: Sendable, Equatable {
    case local, original
    case fixed(String)
}

/// RFC 5260 §4.2 date-parts, computed from an instant seen in a zone.
public enum SieveDatePart: String, Sendable, CaseIterable {
    case year, month, day, date, julian, hour, minute, second, time, iso8601, std11, zone, weekday

    /// `+hhmm` / `-hhmm` (RFC 5260 §4.1 time-zone) as minutes east of UTC.
    public static func zoneMinutes(_ text: String) -> Int? {
        let scalars = Array(text.utf8)
        guard scalars.count == 5, scalars[0] == UInt8(ascii: "+") || scalars[0] == UInt8(ascii: "-"),
              scalars[1...].allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        let digits = scalars[1...].map { Int($0 - 48) }
        let hours = digits[0] * 10 + digits[1], minutes = digits[2] * 10 + digits[3]
        guard hours <= 23, minutes <= 59 else { return nil }
        return (scalars[0] == UInt8(ascii: "-") ? -1 : 1) * (hours * 60 + minutes)
    }

    /// The part's text (formats as RFC 5260 §4.2 gives them; iso8601 writes UTC as "Z" and std11
    /// pads the day to two digits, as Pigeonhole does).
    public func value(of instant: Date, zoneMinutes: Int) -> String {
        let local = Int(instant.timeIntervalSince1970.rounded(.down)) + zoneMinutes * 60
        let days = Self.floorDiv(local, 86_400), seconds = local - days * 86_400
        let (y, m, d) = Self.civil(days)
        let hh = seconds / 3600, mm = seconds % 3600 / 60, ss = seconds % 60
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        func four(_ n: Int) -> String { String(repeating: "0", count: max(0, 4 - String(n).count)) + String(n) }
        let sign = zoneMinutes < 0 ? "-" : "+", zh = abs(zoneMinutes) / 60, zm = abs(zoneMinutes) % 60
        switch self {
        case .year: return four(y)
        case .month: return two(m)
        case .day: return two(d)
        case .date: return "\(four(y))-\(two(m))-\(two(d))"
        // Modified Julian Day: days since 1858-11-17 (RFC 5260 §4.2); 1970-01-01 is MJD 40587.
        case .julian: return String(days + 40_587)
        case .hour: return two(hh)
        case .minute: return two(mm)
        case .second: return two(ss)
        case .time: return "\(two(hh)):\(two(mm)):\(two(ss))"
        case .iso8601:
            let zone = zoneMinutes == 0 ? "Z" : "\(sign)\(two(zh)):\(two(zm))"
            return "\(four(y))-\(two(m))-\(two(d))T\(two(hh)):\(two(mm)):\(two(ss))\(zone)"
        case .std11:
            let weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][Self.weekday(days)]
            let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][m - 1]
            return "\(weekday), \(two(d)) \(month) \(four(y)) \(two(hh)):\(two(mm)):\(two(ss)) \(sign)\(two(zh))\(two(zm))"
        case .zone: return "\(sign)\(two(zh))\(two(zm))"
        case .weekday: return String(Self.weekday(days))
        }
    }

    /// 0 = Sunday; day 0 (1970-01-01) was a Thursday.
    static func weekday(_ days: Int) -> Int { ((days + 4) % 7 + 7) % 7 }

    static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// Proleptic Gregorian year, month, day of a day count from 1970-01-01 (H. Hinnant's civil_from_days).
    static func civil(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

extension SieveInput {
    /// RFC 5260 §4: the date in the first (or `:index`-selected) field of `name`; for Received, the
    /// date-time after the last ";" (RFC 5321 §4.4). nil when there is no field or no valid date.
    func headerDate(_ name: String, index: SieveFieldIndex?) -> MessageDate? {
        let all = header.fields(named: name)
        guard let field = (index?.select(all) ?? all).first else { return nil }
        var text = field.value
        if name.lowercased() == "received" {
            guard let semicolon = text.lastIndex(of: ";") else { return nil }
            text = String(text[text.index(after: semicolon)...])
        }
        return MessageDate(parsing: text)
    }
}
