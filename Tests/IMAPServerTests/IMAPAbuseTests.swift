import Foundation
import HatoTesting
@testable import IMAPServer
import MailStore
import Testing

/// A hostile peer (issue 16): LIST patterns built to make a backtracking matcher explode, too
/// many mailboxes, large input before login, slow-drip clients, clients that never read, and
/// control characters meant for the log.
@Suite struct IMAPAbuseTests {
    static let login = "c = Conn(int(sys.argv[1])); c.line(); c.cmd('a0', 'LOGIN \"' + sys.argv[2] + '\" \"' + sys.argv[3] + '\"')\n"

    @Test func listPatternsThatWouldBacktrackAreAnsweredAndLongOnesRefused() async throws {
        let fixture = try await IMAPFixture.make()
        let long = String(repeating: "a", count: 200)
        _ = try await fixture.store.createMailbox(of: fixture.account.id, named: long, specialUse: nil)
        for i in 0..<100 {
            _ = try await fixture.store.createMailbox(of: fixture.account.id, named: "box\(i)", specialUse: nil)
            _ = try await fixture.store.createMailbox(of: fixture.account.id, named: "box\(i)/" + String(repeating: "b", count: 60), specialUse: nil)
        }
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(rawClient + Self.login + """
            start = time.time()
            print(c.cmd("a1", 'LIST "" "*****x"'))
            r = c.cmd("a2", 'LIST "" "' + "%*" * 6 + 'x"'); print(r[-1])
            r = c.cmd("a3", 'LIST "" "' + "%*" * 400 + '"'); print(len(r), r[-1])
            r = c.cmd("a4", 'LIST "" "' + "*a" * 200 + '"'); print(len(r), r[-1])
            print(time.time() - start < 30)
            print(c.cmd("a5", 'LIST "" "' + "%" * 1100 + '"'))
            print(c.cmd("a6", 'LSUB "" "' + "*" * 1100 + '"'))
            print(c.cmd("a7", "NOOP"))
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password], timeout: 120)
        #expect(result.stdout == """
            ['a1 OK LIST completed']
            a2 OK LIST completed
            208 a3 OK LIST completed
            2 a4 OK LIST completed
            True
            ['a5 BAD [LIMIT] LIST pattern longer than the limit of 1024 octets']
            ['a6 BAD [LIMIT] LIST pattern longer than the limit of 1024 octets']
            ['a7 OK NOOP completed']

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }

    /// The bit-set matcher agrees with the plain recursive definition of RFC 9051 §6.3.9.
    @Test func patternMatcherAgreesWithTheDefinition() {
        func reference(_ p: [Character], _ n: [Character]) -> Bool {
            guard let head = p.first else { return n.isEmpty }
            if head == "*" { return (0...n.count).contains { reference(Array(p.dropFirst()), Array(n.dropFirst($0))) } }
            if head == "%" {
                let stop = n.firstIndex(of: "/") ?? n.count
                return (0...stop).contains { reference(Array(p.dropFirst()), Array(n.dropFirst($0))) }
            }
            return n.first == head && reference(Array(p.dropFirst()), Array(n.dropFirst()))
        }
        var generator = SystemRandomNumberGenerator()
        let patternAlphabet: [Character] = ["a", "b", "/", "*", "%"], nameAlphabet: [Character] = ["a", "b", "/"]
        for _ in 0..<3000 {
            let pattern = (0..<Int.random(in: 0...7, using: &generator)).map { _ in patternAlphabet.randomElement(using: &generator)! }
            let name = (0..<Int.random(in: 0...8, using: &generator)).map { _ in nameAlphabet.randomElement(using: &generator)! }
            let matcher = MailboxPattern(reference: "", pattern: String(pattern))
            #expect(matcher.matches(String(name)) == reference(pattern, name), "\(String(pattern)) vs \(String(name))")
        }
        #expect(MailboxPattern(reference: "", pattern: "%*%*%*x").length == 2, "wildcard runs collapse")
    }

    @Test func mailboxLimitRefusesCreateAndRenameWithLimitCode() async throws {
        let fixture = try await IMAPFixture.make(maxMailboxes: 9)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(rawClient + Self.login + """
            print(c.cmd("a1", "CREATE one")[-1])
            print(c.cmd("a2", "CREATE two/three")[-1])
            print(c.cmd("a3", "CREATE four"))
            print(c.cmd("a4", "RENAME one x/y"))
            print(c.cmd("a5", "RENAME one five")[-1])
            print(c.cmd("a6", "DELETE five")[-1])
            print(c.cmd("a7", "CREATE four")[-1])
            print(c.cmd("a8", 'LIST "" *o*')[:-1])
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(IMAPFixture.withoutMailboxIDs(result.stdout) == """
            a1 OK CREATE completed
            a2 OK CREATE completed
            ['a3 NO [LIMIT] too many mailboxes; the limit is 9 per account']
            ['a4 NO [LIMIT] too many mailboxes; the limit is 9 per account']
            a5 OK RENAME completed
            a6 OK DELETE completed
            a7 OK CREATE completed
            ['* LIST (\\\\HasNoChildren) "/" four', '* LIST (\\\\HasChildren) "/" two', '* LIST (\\\\HasNoChildren) "/" two/three']

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }

    /// Before login a command holds at most 64 KiB, literals included (room for an RFC 2971 ID
    /// at its limits, no more); the refusal comes before the client sends a synchronizing
    /// literal, a non-synchronizing one is read and skipped, and the connection goes on.
    @Test func largeInputBeforeLoginIsRefused() async throws {
        let fixture = try await IMAPFixture.make()
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(rawClient + """
            c = Conn(int(sys.argv[1])); c.line()
            c.send('a1 ID ("name" {40000}\\r\\n'); print(c.line())
            c.send("x" * 40000 + ' "version" {40000}\\r\\n'); print(c.line())
            c.send('a2 LOGIN {300000+}\\r\\n' + "y" * 300000 + ' {2+}\\r\\npw\\r\\n'); print(c.line())
            print(c.cmd("a3", "NOOP"))
            c.send('a4 ID ("a" {30000+}\\r\\n' + "z" * 30000 + ' "b" {30000+}\\r\\n' + "z" * 30000 + ' "c" {30000+}\\r\\n' + "z" * 30000 + ')\\r\\n'); print(c.line())
            c.send('a5 LOGIN "' + sys.argv[2] + '" {' + str(len(sys.argv[3])) + '}\\r\\n'); print(c.line())
            c.send(sys.argv[3] + '\\r\\n'); print(c.until("a5")[-1].split(" [")[0])
            c.send('a6 APPEND INBOX {20000+}\\r\\n' + "m" * 20000 + '\\r\\n'); print(c.until("a6")[-1].split(" [")[0])
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.stdout == """
            + Ready for literal data
            a1 BAD [LIMIT] command larger than 65536 octets before login
            a2 BAD [LIMIT] command larger than 65536 octets before login
            ['a3 OK NOOP completed']
            a4 BAD [LIMIT] command larger than 65536 octets before login
            + Ready for literal data
            a5 OK
            a6 OK

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }

    /// One byte a second restarts no clock: the login deadline counts from the greeting, and a
    /// command line dripping in after login ends at the command deadline. A drip that is never
    /// cut off runs 43 s or more; the 20 s bound leaves room for a loaded machine (one full run at
    /// load 17 took over 8 s to see a 3 s deadline fire).
    @Test func slowDripClientsAreClosedAtTheDeadlines() async throws {
        // Two listeners: a short login deadline for the client that never logs in, a long one
        // where the test logs in first (a loaded machine may take seconds to check a password).
        let beforeLogin = try await IMAPFixture.make(loginTimeout: .seconds(2), commandTimeout: .seconds(60))
        let afterLogin = try await IMAPFixture.make(loginTimeout: .seconds(60), commandTimeout: .seconds(3))
        let first = try await TestListener.start(beforeLogin.server, name: "imap")
        let second = try await TestListener.start(afterLogin.server, name: "imap")
        let result = try await Python.run(rawClient + """
            import select
            def drip(c, text, limit):
                # Stop sending once the server speaks: bytes sent after it closed would earn an
                # RST, which can discard its BYE before this client reads it.
                start = time.time()
                for ch in text:
                    try: c.send(ch)
                    except OSError: break
                    if select.select([c.s], [], [], 0.4)[0]: break
                    if time.time() - start > limit: break
                c.s.settimeout(10)
                return time.time() - start
            c = Conn(int(sys.argv[1])); c.line()
            t = drip(c, "a1 CAPABILITY" * 10, 30)
            print(c.line(), t < 20)
            port = int(sys.argv[2])
            c = Conn(port); c.line(); print(c.cmd("a0", 'LOGIN "' + sys.argv[3] + '" "' + sys.argv[4] + '"')[-1].split(" ")[:2])
            t = drip(c, "a1 NOOP" + " " * 100, 30)
            print(c.line(), t < 20)
            c = Conn(port); c.line(); c.cmd("a0", 'LOGIN "' + sys.argv[3] + '" "' + sys.argv[4] + '"')
            c.send("a1 APPEND INBOX {500}\\r\\n"); c.line()
            t = drip(c, "x" * 500, 30)
            print(c.line(), t < 20)
            """, arguments: ["\(first.port)", "\(second.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.stdout == """
            * BYE autologout; no login within 2 seconds True
            ['a0', 'OK']
            * BYE command not received in time True
            * BYE command not received in time True

            """, "\(result.stderr)")
        try await first.stop()
        try await second.stop()
        try await beforeLogin.store.close()
        try await afterLogin.store.close()
    }

    /// A client that stops reading in the middle of a large FETCH gets everything, in order,
    /// once it reads again (the server waited for writability between chunks instead of
    /// queueing the whole answer), and pipelined commands run after it.
    @Test func fetchToAClientThatStopsReadingResumesWhenItReads() async throws {
        let block = "0123456789abcdef"
        // 60 messages of 64 KiB (several chunks) and one of 1 MiB (streamed from disk in pieces).
        var messages = (1...60).map { "Subject: m\($0)\r\n\r\n" + String(repeating: block, count: 4096) + "\r\n" }
        messages.append("Subject: big\r\n\r\n" + String(repeating: block, count: 65536) + "\r\n")
        let fixture = try await IMAPFixture.make(messages: messages, maxMessageSize: 4 * 1024 * 1024)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(rawClient + """
            port = int(sys.argv[1])
            c = Conn.__new__(Conn); c.s = socket.socket(); c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
            c.s.settimeout(60); c.s.connect(("127.0.0.1", port)); c.f = c.s.makefile("rb")
            c.line(); c.cmd("a0", 'LOGIN "' + sys.argv[2] + '" "' + sys.argv[3] + '"'); c.cmd("a1", "SELECT INBOX")
            c.send("a2 FETCH 1:* (UID BODY.PEEK[] RFC822.SIZE)\\r\\na3 NOOP\\r\\n")
            time.sleep(2)
            n = 0; blocks = 0; sizes_ok = True
            while True:
                l = c.line()
                if l.startswith("a2 ") or l == "": print(l); break
                if l.startswith("* ") and "FETCH" in l:
                    n += 1; size = int(l.rsplit("{", 1)[1][:-1]); data = c.f.read(size); blocks += data.count(b"0123456789abcdef")
                    rest = c.line(); sizes_ok = sizes_ok and rest == " RFC822.SIZE %d)" % size
            print(n, blocks, sizes_ok, c.until("a3"))
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password], timeout: 120)
        #expect(result.stdout == """
            a2 OK FETCH completed
            61 311296 True ['a3 OK NOOP completed']

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }

    /// A large message fetched whole without PEEK is streamed too, after \\Seen is set, with
    /// FLAGS in the same response (RFC 9051 §6.4.5).
    @Test func streamedFetchSetsSeenAndKeepsItemOrder() async throws {
        let big = "Subject: big\r\n\r\n" + String(repeating: "y", count: 300_000) + "\r\n"
        let fixture = try await IMAPFixture.make(messages: [big])
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(rawClient + Self.login + """
            c.cmd("a1", "SELECT INBOX")
            c.send("a2 UID FETCH 1 (RFC822.SIZE BODY[])\\r\\n"); head = c.line(); print(head)
            data = c.f.read(int(head.rsplit("{", 1)[1][:-1])); print(len(data), data.count(b"y"), repr(c.line()))
            print(c.until("a2")[-1])
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.stdout == """
            * 1 FETCH (UID 1 RFC822.SIZE 300018 BODY[] {300018}
            300018 300000 ' FLAGS (\\\\Seen \\\\Recent))'
            a2 OK UID FETCH completed

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }
}
