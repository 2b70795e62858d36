import IMAPProtocol
import NIOCore
import Testing

@Suite struct CommandErrorTests {
    /// Lines whose tag is readable: the answer is `tag BAD`.
    static let taggedErrors: [(String, IMAPCommandError.Kind)] = [
        ("A442 XPIG-LATIN", .unknownCommand),
        ("a UID NOOP", .unknownCommand),
        ("a NOOP extra", .syntax),
        ("a NOOP  ", .syntax),
        ("a LOGIN", .syntax),
        ("a LOGIN  bob pw", .syntax),
        ("a LOGIN bob", .syntax),
        ("a SELECT", .syntax),
        ("a SELECT INBOX (FOO)", .syntax),
        ("a FETCH 0 FLAGS", .syntax),
        ("a FETCH 1 (FLAGS", .syntax),
        ("a FETCH 1 ()", .syntax),
        ("a FETCH 1 BODY[4.MIME", .syntax),
        ("a FETCH 1 BODY[MIME]", .syntax),
        ("a FETCH 1 BODY.PEEK", .syntax),
        ("a FETCH 1 BODY[]<0.0>", .syntax),
        ("a FETCH 4294967296 FLAGS", .syntax),
        ("a FETCH 1:2, FLAGS", .syntax),
        ("a STORE 1 FLAGS", .syntax),
        ("a STORE 1 +FLAGZ (\\Seen)", .syntax),
        ("a SEARCH", .syntax),
        ("a SEARCH FOO", .syntax),
        ("a SEARCH SINCE 30-Feb-2024", .syntax),
        ("a SEARCH SINCE 1-Foo-2024", .syntax),
        ("a SEARCH RETURN (FOO) ALL", .syntax),
        ("a SEARCH SUBJECT \"unterminated", .syntax),
        ("a SEARCH SUBJECT \"bad \\escape\"", .syntax),
        ("a LIST (RECURSIVEMATCH) \"\" *", .syntax),
        ("a LIST (FOO) \"\" *", .syntax),
        ("a STATUS INBOX ()", .syntax),
        ("a STATUS INBOX (BOGUS)", .syntax),
        ("a APPEND INBOX (\\Seen)", .syntax),
        ("a APPEND INBOX \"31-Dec-2024 25:00:00 +0000\" ", .syntax),
        ("a ENABLE", .syntax),
        ("a AUTHENTICATE PLAIN dGVzd", .syntax),
        ("a ID (\"name\")", .syntax),
    ]

    @Test(arguments: taggedErrors)
    func taggedBad(_ line: String, _ kind: IMAPCommandError.Kind) {
        let error = parseError(line)
        #expect(error?.tag == String(line.prefix { $0 != " " }))
        #expect(error?.kind == kind)
    }

    /// No readable tag: the answer is `* BAD`.
    @Test(arguments: ["", " NOOP", "a+b NOOP", "(x) NOOP", "\"a\" NOOP", "a{1} NOOP"])
    func untaggedBad(_ line: String) {
        let error = parseError(line)
        #expect(error != nil)
        #expect(error?.tag == nil)
    }

    @Test func nestingIsBounded() {
        let deep = "a SEARCH " + String(repeating: "NOT ", count: 100) + "ALL"
        #expect(parseError(deep)?.kind == .limitExceeded)
        let parens = "a SEARCH " + String(repeating: "(", count: 100) + "ALL" + String(repeating: ")", count: 100)
        #expect(parseError(parens)?.kind == .limitExceeded)
        let fine = "a SEARCH " + String(repeating: "NOT ", count: 20) + "ALL"
        #expect(parseError(fine) == nil)
    }

    @Test func sequenceSetSizeIsBounded() {
        var limits = IMAPLimits()
        limits.maxSequenceSetElements = 3
        let parser = IMAPCommandParser(limits: limits)
        #expect(throws: IMAPCommandError.self) { try parser.parse(IMAPCommandBytes("a FETCH 1,2,3,4 FLAGS")) }
        #expect((try? parser.parse(IMAPCommandBytes("a FETCH 1,2,3 FLAGS"))) != nil)
    }

    @Test func literalWhereNoneIsAllowed() {
        let events = commandEvents("a NOOP{3+}\r\nabc\r\nb FETCH {1+}\r\n1 FLAGS\r\nc NOOP {1+}\r\nx\r\n")
        #expect(events == [
            .error(IMAPCommandError(tag: "a", kind: .syntax, message: "unexpected literal")),
            .error(IMAPCommandError(tag: "b", kind: .syntax, message: "expected non-zero number")),
            .error(IMAPCommandError(tag: "c", kind: .syntax, message: "unexpected characters at end of command")),
        ])
    }

    @Test func nulInLiteralIsRefusedButNotInLiteral8Append() {
        #expect(commandEvents("a LOGIN {3+}\r\na\0b pw\r\n").first.map { if case .error = $0 { true } else { false } } == true)
    }
}
