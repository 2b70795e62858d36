// RFC 5256 §2.1 base subject extraction, step by step, and the i;unicode-casemap fold (RFC 5051).
import Testing
@testable import IMAPServer

@Suite struct BaseSubjectTests {
    func base(_ s: String) -> BaseSubject { BaseSubject(rawSubject: Array(s.utf8)) }

    @Test func replyAndForwardLeadersAndTrailersAreRemoved() {
        #expect(base("Re: hello").key == "HELLO")
        #expect(base("Re: hello").isReplyOrForward)
        #expect(base("RE: Re: re[2]: Fwd: FW: hello (fwd) (FWD)").key == "HELLO")
        #expect(base("[list] Re: [other] hello").key == "HELLO")
        #expect(!base("hello world").isReplyOrForward)
        #expect(base("hello\t  world  ").key == "HELLO WORLD")
    }

    @Test func aBlobIsKeptWhenNothingWouldRemain() {
        #expect(base("[only a blob]").key == "[ONLY A BLOB]")
        #expect(base("Re: [only a blob]").key == "[ONLY A BLOB]")
    }

    @Test func fwdWrapperIsRemovedAndExtractionRepeats() {
        let b = base("[Fwd: Re: the meeting]")
        #expect(b.key == "THE MEETING")
        #expect(b.isReplyOrForward)
    }

    @Test func encodedWordsAreDecodedFirstAndFoldedWithUnicodeCasemap() {
        // "Re: 会議" as ISO-2022-JP B and UTF-8 B encoded-words.
        #expect(base("=?ISO-2022-JP?B?UmU6IBskQjJxNUQbKEI=?=").key == "会議")
        // élève: titlecase, then NFKD (RFC 5051 §2): E U+0301 L E U+0300 V E.
        #expect(base("Re: =?UTF-8?B?w6lsw6h2ZQ==?=").key == "E\u{301}LE\u{300}VE")
        #expect(base("Re: =?UTF-8?B?w4lMw4hWRQ==?=").key == base("=?UTF-8?B?w6lsw6h2ZQ==?=").key)
        // Fullwidth letters decompose to ASCII (NFKD): "ｈｅｌｌｏ" sorts with "HELLO".
        #expect(base("ｈｅｌｌｏ").key == "HELLO")
    }

    @Test func emptyAndWhitespaceSubjectsGiveEmptyKey() {
        #expect(base("").key == "")
        #expect(base("  Re:  ").key == "")
    }
}
