import Foundation
import MailMessage
import SieveProtocol
import Testing

/// RFC 5260 date and currentdate: every date-part, the zones, relational comparisons, and the
/// RFC's own examples (the Pigeonhole table checks the same against sieve-test).
@Suite struct SieveDateTests {
    typealias M = SieveTestMessages

    /// 2026-12-06 01:39:48 UTC, a Sunday.
    static let now = Date(timeIntervalSince1970: 1_796_521_188)

    static func run(_ script: String, _ bytes: [UInt8] = M.dated, now: Date = now, localZone: Int = 0) throws -> [SieveAction] {
        var input = M.input(bytes)
        input.now = now
        input.localZoneMinutes = localZone
        return try SieveInterpreter.run(try SieveProgram.compile(script), on: input).actions
    }

    /// What `date :matches <zone> "*"` captured, per part: the values sieve-test printed for the same message.
    @Test(arguments: [
        ("year", "2026", "2026", "2026"), ("month", "12", "12", "12"), ("day", "05", "04", "06"),
        ("date", "2026-12-05", "2026-12-04", "2026-12-06"), ("julian", "61379", "61378", "61380"),
        ("hour", "01", "14", "23"), ("minute", "02", "32", "59"), ("second", "03", "03", "59"),
        ("time", "01:02:03", "14:32:03", "23:59:59"),
        ("iso8601", "2026-12-05T01:02:03+09:00", "2026-12-04T14:32:03-01:30", "2026-12-06T23:59:59Z"),
        ("std11", "Sat, 05 Dec 2026 01:02:03 +0900", "Fri, 04 Dec 2026 14:32:03 -0130", "Sun, 06 Dec 2026 23:59:59 +0000"),
        ("zone", "+0900", "-0130", "+0000"), ("weekday", "6", "5", "0"),
    ])
    func datePartsInEachZone(_ part: String, _ original: String, _ zoned: String, _ received: String) throws {
        let script = """
            require ["date", "variables", "fileinto"];
            if date :matches :originalzone "date" "\(part)" "*" { fileinto "o ${0}"; }
            if date :matches :zone "-0130" "date" "\(part)" "*" { fileinto "z ${0}"; }
            if date :matches "received" "\(part)" "*" { fileinto "r ${0}"; }
            """
        #expect(M.folders(try Self.run(script)) == ["o \(original)", "z \(zoned)", "r \(received)"])
    }

    @Test func onlyTheFirstDateFieldCountsUnlessIndexed() throws {
        let script = #"""
            require ["date", "relational", "index", "fileinto", "comparator-i;ascii-numeric"];
            if date :count "eq" :comparator "i;ascii-numeric" "date" "year" "1" { fileinto "One"; }
            if date :index 2 :originalzone "date" "weekday" "1" { fileinto "SecondIsMonday"; }
            if date :index 1 :last :zone "+0000" "date" "hour" "15" { fileinto "LastAt15Z"; }
            if date :count "eq" :comparator "i;ascii-numeric" "x-none" "year" "0" { fileinto "NoField"; }
            if date "subject" "year" "2026" { fileinto "NotADate"; }
            """#
        #expect(M.folders(try Self.run(script)) == ["One", "SecondIsMonday", "LastAt15Z", "NoField"])
    }

    /// RFC 5260 §4 example: mail from the boss during office hours goes to the pager.
    @Test func rfcExampleOfficeHours() throws {
        let script = #"""
            require ["date", "relational"];
            if allof(header :is "from" "boss@example.com",
                     date :value "ge" :originalzone "date" "hour" "09",
                     date :value "lt" :originalzone "date" "hour" "17")
            { redirect "pager@example.com"; }
            """#
        let boss = M.message("From: boss@example.com\nDate: Tue, 8 Dec 2026 10:15:00 -0800\nSubject: x\n\nx\n")
        let late = M.message("From: boss@example.com\nDate: Tue, 8 Dec 2026 18:15:00 -0800\nSubject: x\n\nx\n")
        #expect(try Self.run(script, boss) == [.redirect(address: "pager@example.com")])
        #expect(try Self.run(script, late) == [.keep(flags: [])])
    }

    /// RFC 5260 §5 example: outside working hours (weekends, before 9, after 17) to the cell phone.
    @Test func rfcExampleCurrentDateWorkingHours() throws {
        let script = #"""
            require ["date", "relational"];
            if anyof(currentdate :is "weekday" "0", currentdate :is "weekday" "6",
                     currentdate :value "lt" "hour" "09", currentdate :value "ge" "hour" "17")
            { redirect "cell@example.com"; }
            """#
        // Sunday 01:39 UTC; in Tokyo (+0900) it is Sunday 10:39 too; Wednesday 2026-12-09 12:00 UTC is a working hour.
        #expect(try Self.run(script) == [.redirect(address: "cell@example.com")])
        let wednesdayNoon = Date(timeIntervalSince1970: 1_796_817_600)
        #expect(try Self.run(script, now: wednesdayNoon) == [.keep(flags: [])])
        #expect(try Self.run(script, now: wednesdayNoon, localZone: 9 * 60) == [.redirect(address: "cell@example.com")])
    }

    /// RFC 5260 §7 example: file into a mailbox named for the month and year the message arrived.
    @Test func rfcExampleMonthlyFolders() throws {
        let script = #"""
            require ["date", "relational", "variables", "fileinto"];
            if currentdate :matches "month" "*" { set "month" "${1}"; }
            if currentdate :matches "year"  "*" { set "year" "${1}"; }
            fileinto "${month}-${year}";
            if currentdate :zone "+0900" :is "date" "2026-12-06" { fileinto "東京では日曜日"; }
            if currentdate :value "lt" "date" "2026-12-31" { fileinto "before new year"; }
            """#
        #expect(M.folders(try Self.run(script)) == ["12-2026", "東京では日曜日", "before new year"])
    }

    @Test func zonesAndPartsAreCheckedWhenWritten() {
        #expect(throws: SieveCompileError.self) { try SieveProgram.compile(#"if date "date" "year" "2026" { stop; }"#) }
        #expect(throws: SieveCompileError.self) { try SieveProgram.compile(#"require "date"; if date :zone "+9" "date" "year" "2026" { stop; }"#) }
        #expect(throws: SieveCompileError.self) { try SieveProgram.compile(#"require "date"; if date :zone "+0900" :originalzone "date" "year" "x" { stop; }"#) }
        #expect(throws: SieveCompileError.self) { try SieveProgram.compile(#"require "date"; if currentdate "fortnight" "1" { stop; }"#) }
        #expect(throws: SieveCompileError.self) { try SieveProgram.compile(#"require "date"; if currentdate :originalzone "year" "1" { stop; }"#) }
        #expect(SieveProgram.supportedExtensions.contains("date"))
    }

    /// A zone or part from a variable that is not valid makes the test false, not an error.
    @Test func invalidZoneFromAVariableIsFalse() throws {
        let script = #"""
            require ["date", "variables", "fileinto"];
            set "z" "Tokyo"; set "p" "year";
            if currentdate :zone "${z}" "${p}" "2026" { fileinto "Bad"; }
            set "z" "+0900";
            if currentdate :zone "${z}" "${p}" "2026" { fileinto "Good"; }
            """#
        #expect(M.folders(try Self.run(script)) == ["Good"])
    }
}
