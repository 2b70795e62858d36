import Testing
@testable import MailAuth

@Suite struct DKIMTagListTests {
    @Test func parsesTagsWithFoldingWhitespace() throws {
        let list = try DKIMTagList(parsing: "v=1; a=rsa-sha256;\r\n\td=example.com ; h = from : to ;\r\n b=abc\r\n def;")
        #expect(list.names == ["v", "a", "d", "h", "b"])
        #expect(list["d"] == "example.com")
        #expect(list["h"] == "from : to")
        #expect(list["b"] == "abc\r\n def")
        #expect(DKIMTagList.removingWhitespace(list["b"]!) == "abcdef")
    }

    @Test func trailingSemicolonAndEmptyValuesAreAllowed() throws {
        let list = try DKIMTagList(parsing: "p=; t=y;  ")
        #expect(list["p"] == "")
        #expect(list["t"] == "y")
    }

    @Test func duplicateTagInvalidatesTheList() {
        // RFC 6376 §3.2: "if a tag name does occur more than once, the entire tag-list is invalid".
        #expect(throws: DKIMTagListError.duplicateTag("d")) { try DKIMTagList(parsing: "d=a.example; d=b.example") }
    }

    @Test func tagNamesFollowTheGrammar() {
        #expect(throws: DKIMTagListError.self) { try DKIMTagList(parsing: "1a=x") }
        #expect(throws: DKIMTagListError.self) { try DKIMTagList(parsing: "a-b=x") }
        #expect(throws: DKIMTagListError.self) { try DKIMTagList(parsing: "novalue") }
        #expect(throws: DKIMTagListError.self) { try DKIMTagList(parsing: "a=1;;b=2") }
        #expect((try? DKIMTagList(parsing: "a_b9=x")) != nil)
    }

    @Test func valuesRefuseControlCharactersAndBareLineEnds() {
        #expect(throws: DKIMTagListError.invalidValue(tag: "a")) { try DKIMTagList(parsing: "a=x\u{01}y") }
        #expect(throws: DKIMTagListError.invalidValue(tag: "a")) { try DKIMTagList(parsing: "a=x\ny") }
        #expect(throws: DKIMTagListError.invalidValue(tag: "a")) { try DKIMTagList(parsing: "a=x\r\ny") }
    }

    @Test func tagNamesAreCaseSensitive() throws {
        let list = try DKIMTagList(parsing: "D=upper; d=lower")
        #expect(list["d"] == "lower")
        #expect(list["D"] == "upper")
    }
}
