// The time zone INTERNALDATE is shown in, and the one SEARCH BEFORE/ON/SINCE use, so that a
// client searching by the date it was shown finds the message (RFC 9051 §6.4.4: the internal
// date "disregarding time and timezone", i.e. the calendar date as the server presents it).
import Foundation
import IMAPProtocol
import MailMessage

enum MailboxClock {
    static func dateTime(_ date: Date, in zone: TimeZone) -> IMAPDateTime {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        return IMAPDateTime(secondsSince1970: seconds, zoneMinutes: zone.secondsFromGMT(for: date) / 60)
    }

    static func calendarDate(_ date: Date, in zone: TimeZone) -> IMAPDate {
        dateTime(date, in: zone).date
    }

    /// The calendar date of a Date header in the zone it was written in (RFC 9051 §6.4.4 SENT*:
    /// "disregarding time and timezone"); "-0000" and unknown zones count as UTC.
    static func calendarDate(_ date: MessageDate) -> IMAPDate {
        let seconds = Int64(date.date.timeIntervalSince1970.rounded(.down))
        return IMAPDateTime(secondsSince1970: seconds, zoneMinutes: date.timeZoneOffsetMinutes ?? 0).date
    }
}
