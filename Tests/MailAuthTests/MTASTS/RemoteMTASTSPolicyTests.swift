import MailAuth
import Testing

/// The strict parser of fetched MTA-STS policies (RFC 8461 §3.1, §3.2) and MX matching (§4.1).
@Suite struct RemoteMTASTSPolicyTests {
    static func parse(_ text: String) throws -> RemoteMTASTSPolicy { try RemoteMTASTSPolicy.parse(Array(text.utf8)) }

    @Test func parsesTheRFCExampleWithCRLFOrLF() throws {
        // RFC 8461 §3.2 example, with an unknown extension field that must be ignored.
        for end in ["\r\n", "\n"] {
            let policy = try Self.parse(["version: STSv1", "mode: enforce", "mx: mail.example.com", "mx: *.example.net",
                                         "mx: backupmx.example.com", "max_age: 604800", "ext_x: 1"].joined(separator: end) + end)
            #expect(policy.mode == .enforce && policy.maxAge == 604_800)
            #expect(policy.mx == ["mail.example.com", "*.example.net", "backupmx.example.com"])
        }
        #expect(try Self.parse("version: STSv1\nmode: none\nmax_age: 0").mx.isEmpty)
    }

    @Test func refusesWhatTheGrammarDoesNot() {
        let bad = [
            "version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n",            // unknown version
            "mode: enforce\nmx: a.example\nmax_age: 1\n",                             // no version
            "version: STSv1\nmode: enforce\nmax_age: 1\n",                            // enforce without mx
            "version: STSv1\nmode: enforce\nmode: none\nmx: a.example\nmax_age: 1\n", // mode twice
            "version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1\n",              // unknown mode
            "version: STSv1\nmode: testing\nmx: a.example\nmax_age: 31557601\n",      // above the RFC's maximum
            "version: STSv1\nmode: testing\nmx: a.example\nmax_age: -1\n",
            "version: STSv1\nmode: testing\nmx: a..example\nmax_age: 1\n",            // empty label
            "version: STSv1\nmode: testing\nmx: *.*.example\nmax_age: 1\n",
            "version: STSv1\nmode: testing\nmx a.example\nmax_age: 1\n",              // no colon
        ]
        for text in bad {
            #expect(throws: RemoteMTASTSPolicy.ParseError.self, "\(text)") { try Self.parse(text) }
        }
        #expect(throws: RemoteMTASTSPolicy.ParseError.self) {
            try RemoteMTASTSPolicy.parse(Array(repeating: UInt8(ascii: "a"), count: RemoteMTASTSPolicy.maxSize + 1))
        }
    }

    @Test func wildcardMatchesExactlyOneLabel() throws {
        let policy = try Self.parse("version: STSv1\nmode: enforce\nmx: *.example.net\nmx: Mail.Example.com\nmax_age: 60\n")
        #expect(policy.matches(mx: "mx1.example.net") && policy.matches(mx: "MAIL.example.com.") && policy.matches(mx: "mail.example.com"))
        #expect(!policy.matches(mx: "a.b.example.net") && !policy.matches(mx: "example.net") && !policy.matches(mx: "mail.example.org"))
    }

    @Test func readsTheTXTRecordID() throws {
        #expect(try RemoteMTASTSPolicy.recordID("v=STSv1; id=20160831085700Z;") == "20160831085700Z")
        #expect(try RemoteMTASTSPolicy.recordID("v=STSv1;id=abc") == "abc")
        #expect(try RemoteMTASTSPolicy.recordID("v=spf1 -all") == nil)
        #expect(throws: RemoteMTASTSPolicy.ParseError.self) { try RemoteMTASTSPolicy.recordID("v=STSv1; id=has-dash") }
        #expect(throws: RemoteMTASTSPolicy.ParseError.self) { try RemoteMTASTSPolicy.recordID("v=STSv1;") }
    }
}
