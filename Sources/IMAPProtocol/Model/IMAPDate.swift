/// date-text = date-day "-" date-month "-" date-year       (RFC 9051 §9; SEARCH dates)
public struct IMAPDate: Sendable, Equatable, Hashable, Comparable {
    public var year: Int
    /// 1...12
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    public static func < (a: IMAPDate, b: IMAPDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
}

/// date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
/// (RFC 9051 §9; APPEND and INTERNALDATE)
public struct IMAPDateTime: Sendable, Equatable, Hashable {
    public var date: IMAPDate
    public var hour: Int
    public var minute: Int
    public var second: Int
    /// Minutes east of Greenwich: "+0900" is 540, "-0130" is -90.
    public var zoneMinutes: Int

    public init(date: IMAPDate, hour: Int, minute: Int, second: Int, zoneMinutes: Int) {
        self.date = date
        self.hour = hour
        self.minute = minute
        self.second = second
        self.zoneMinutes = zoneMinutes
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    public var secondsSince1970: Int64 {
        let days = IMAPDateTime.daysFromCivil(year: date.year, month: date.month, day: date.day)
        return days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(zoneMinutes * 60)
    }

    /// The date-time of `secondsSince1970` seen in the zone `zoneMinutes` east of UTC.
    public init(secondsSince1970: Int64, zoneMinutes: Int = 0) {
        let local = secondsSince1970 + Int64(zoneMinutes * 60)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let rest = Int(local - days * 86_400)
        let (y, m, d) = IMAPDateTime.civilFromDays(days)
        self.init(date: IMAPDate(year: y, month: m, day: d), hour: rest / 3600, minute: rest / 60 % 60,
                  second: rest % 60, zoneMinutes: zoneMinutes)
    }

    // Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian calendar).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64((month + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }
}
