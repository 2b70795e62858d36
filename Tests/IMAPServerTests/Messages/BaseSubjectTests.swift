// RFC 5256 §2.1 base subject extraction, step by step, and the i;ascii-casemap fold.
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

    @Test func encodedWordsAreDecodedFirstAndNonASCIIIsNotFolded() {
        // "Re: 会議" as ISO-2022-JP B and UTF-8 B encoded-words.
        #expect(base("=?ISO-2022-JP?B?UmU6IBskQjJxNUQbKEI=?=").key == "会議")
        #expect(base("Re: =?UTF-8?B?w6lsw6h2ZQ==?=").key == "éLèVE")
    }

    @Test func emptyAndWhitespaceSubjectsGiveEmptyKey() {
        #expect(base("").key == "")
        #expect(base("  Re:  ").key == "")
    }
}
