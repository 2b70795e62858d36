extension GrammarParser {
    /// date = date-text / DQUOTE date-text DQUOTE
    mutating func date() throws -> IMAPDate {
        if skip(UInt8(ascii: "\"")) {
            let d = try dateText()
            try expect(UInt8(ascii: "\""))
            return d
        }
        return try dateText()
    }

    /// date-text = date-day "-" date-month "-" date-year
    /// date-day  = 1*2DIGIT
    mutating func dateText() throws -> IMAPDate {
        let day = try fixedDigits(min: 1, max: 2)
        try expect(UInt8(ascii: "-"))
        let month = try dateMonth()
        try expect(UInt8(ascii: "-"))
        let year = try fixedDigits(min: 4, max: 4)
        return try validated(IMAPDate(year: year, month: month, day: day))
    }

    /// date-month = "Jan" / "Feb" / "Mar" / "Apr" / "May" / "Jun" / "Jul" / "Aug" / "Sep" / "Oct" / "Nov" / "Dec"
    mutating func dateMonth() throws -> Int {
        var name: [UInt8] = []
        for _ in 0..<3 { name.append(asciiLower(try take())) }
        guard let index = IMAPDate.monthNames.firstIndex(where: { Array($0.lowercased().utf8) == name }) else {
            throw GrammarError("invalid month")
        }
        return index + 1
    }

    /// date-time      = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
    /// date-day-fixed = (SP DIGIT) / 2DIGIT
    /// time           = 2DIGIT ":" 2DIGIT ":" 2DIGIT
    /// zone           = ("+" / "-") 4DIGIT
    mutating func dateTime() throws -> IMAPDateTime {
        try expect(UInt8(ascii: "\""), "date-time")
        let day: Int
        if skip(UInt8(ascii: " ")) {
            day = try fixedDigits(min: 1, max: 1)
        } else {
            // Lenient like most servers: a one-digit day without the padding space.
            day = try fixedDigits(min: 1, max: 2)
        }
        try expect(UInt8(ascii: "-"))
        let month = try dateMonth()
        try expect(UInt8(ascii: "-"))
        let year = try fixedDigits(min: 4, max: 4)
        try sp()
        let hour = try fixedDigits(min: 2, max: 2)
        try expect(UInt8(ascii: ":"))
        let minute = try fixedDigits(min: 2, max: 2)
        try expect(UInt8(ascii: ":"))
        let second = try fixedDigits(min: 2, max: 2)
        try sp()
        let sign: Int
        switch try take() {
        case UInt8(ascii: "+"): sign = 1
        case UInt8(ascii: "-"): sign = -1
        default: throw GrammarError("expected zone")
        }
        let zone = try fixedDigits(min: 4, max: 4)
        try expect(UInt8(ascii: "\""))
        guard hour < 24, minute < 60, second <= 60, zone % 100 < 60, zone / 100 < 24 else { throw GrammarError("invalid time") }
        let date = try validated(IMAPDate(year: year, month: month, day: day))
        return IMAPDateTime(date: date, hour: hour, minute: minute, second: second,
                            zoneMinutes: sign * (zone / 100 * 60 + zone % 100))
    }

    /// Between `min` and `max` digits.
    mutating func fixedDigits(min: Int, max: Int) throws -> Int {
        var value = 0, count = 0
        while count < max, let b = peek(), b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") {
            value = value * 10 + Int(b - UInt8(ascii: "0"))
            position += 1
            count += 1
        }
        guard count >= min else { throw GrammarError("expected \(min) digits") }
        return value
    }

    private func validated(_ date: IMAPDate) throws -> IMAPDate {
        let leap = date.year % 4 == 0 && (date.year % 100 != 0 || date.year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][date.month - 1]
        guard date.day >= 1, date.day <= days else { throw GrammarError("invalid date") }
        return date
    }
}
