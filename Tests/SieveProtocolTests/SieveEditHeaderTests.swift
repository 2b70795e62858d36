import MailMessage
import SieveProtocol
import Testing

/// RFC 5293 editheader: edits are seen by later tests and returned as the header to store;
/// protected fields stay; non-ASCII values become encoded-words.
@Suite struct SieveEditHeaderTests {
    typealias M = SieveTestMessages

    static func result(_ script: String, _ bytes: [UInt8] = M.dated) throws -> SieveResult {
        try SieveInterpreter.run(try SieveProgram.compile(script), on: M.input(bytes))
    }

    static func names(_ header: HeaderSection?) -> [String] { header?.fields.map { $0.name.lowercased() } ?? [] }

    /// RFC 5293 §4 and §5 examples: add on top or at the bottom, delete by value pattern.
    @Test func addAndDeleteAreSeenByLaterTests() throws {
        let script = #"""
            require ["editheader", "fileinto"];
            addheader "X-Source" "mailing list";
            addheader :last "X-Trailer" "last one";
            if header :is "x-source" "mailing list" { fileinto "Added"; }
            deleteheader :matches "x-mailer" "Tanaka*";
            if not exists "x-mailer" { fileinto "Deleted"; }
            """#
        let result = try Self.result(script)
        #expect(M.folders(result.actions) == ["Added", "Deleted"])
        let names = Self.names(result.editedHeader)
        #expect(names.first == "x-source" && names.last == "x-trailer")
        #expect(!names.contains("x-mailer"))
    }

    @Test func deleteheaderIndexCountsAmongFieldsOfTheName() throws {
        let script = #"""
            require ["editheader", "fileinto", "index"];
            addheader :last "X-A" "1"; addheader :last "X-A" "2"; addheader :last "X-A" "3";
            deleteheader :index 1 :last "x-a";
            deleteheader :index 1 "x-a";
            if header :is "x-a" "2" { fileinto "OnlyTwo"; }
            if header :index 2 "x-a" "3" { fileinto "Wrong"; }
            """#
        let result = try Self.result(script)
        #expect(M.folders(result.actions) == ["OnlyTwo"])
        #expect(result.editedHeader?.fields.filter { $0.hasName("x-a") }.map(\.value) == ["2"])
    }

    /// RFC 5293 §6: Received and Auto-Submitted are not deleted; our verdict fields are neither
    /// deleted nor added (a script must not forge them).
    @Test func protectedFieldsStay() throws {
        let message = M.message("""
            Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=example.jp
            Hato-Risk: clean; score=0
            Received: from a by b; Sat, 5 Dec 2026 10:00:00 +0900
            Auto-Submitted: auto-generated
            Subject: x

            x
            """)
        let script = #"""
            require ["editheader"];
            deleteheader "received"; deleteheader "Auto-Submitted"; deleteheader "authentication-results"; deleteheader "hato-risk";
            addheader "Authentication-Results" "mx.example.org; dkim=pass"; addheader "Hato-Risk" "clean";
            deleteheader "subject";
            """#
        let header = try #require(try Self.result(script, message).editedHeader)
        #expect(Self.names(header) == ["authentication-results", "hato-risk", "received", "auto-submitted"])
        #expect(header.fields[0].value == "mx.example.org; spf=pass smtp.mailfrom=example.jp")
    }

    @Test func nonASCIIValuesAreEncodedWords() throws {
        let script = #"""
            require ["editheader", "fileinto"];
            addheader "X-Category" "請求書 (至急)";
            if header :is "x-category" "請求書 (至急)" { fileinto "Decoded"; }
            """#
        let result = try Self.result(script)
        #expect(M.folders(result.actions) == ["Decoded"])
        let field = try #require(result.editedHeader?.fields.first)
        #expect(field.raw.allSatisfy { $0 < 0x80 })
        #expect(String(decoding: field.raw, as: UTF8.self).contains("=?UTF-8?"))
        #expect(field.decodedValue == "請求書 (至急)")
    }

    @Test func unchangedHeaderIsNil() throws {
        #expect(try Self.result(#"require "editheader"; deleteheader "x-none";"#).editedHeader == nil)
        #expect(try Self.result("keep;").editedHeader == nil)
    }

    @Test func badNamesAndTagsAreErrors() {
        #expect(throws: SieveCompileError.self) { try SieveProgram.compile(#"addheader "X-A" "1";"#) }
        #expect(throws: SieveCompileError.self) { try SieveProgram.compile(#"require "editheader"; addheader "Bad:Name" "1";"#) }
        #expect(throws: SieveCompileError.self) { try SieveProgram.compile(#"require "editheader"; addheader "Bad Name" "1";"#) }
        #expect(throws: SieveCompileError.self) { try SieveProgram.compile(#"require "editheader"; deleteheader :contains "subject";"#) }
        #expect(throws: SieveCompileError.self) { try SieveProgram.compile(#"require "editheader"; deleteheader :last "subject";"#) }
        #expect(throws: SieveRuntimeError.self) {
            try SieveInterpreter.run(try SieveProgram.compile(#"require ["editheader", "variables"]; set "n" "a b"; addheader "${n}" "x";"#),
                                     on: M.input(M.dated))
        }
        #expect(SieveProgram.supportedExtensions.contains("editheader"))
    }

    @Test func addheaderIsBounded() throws {
        var limits = SieveLimits()
        limits.maxHeaderEdits = 2
        let program = try SieveProgram.compile(#"require "editheader"; addheader "X-A" "1"; addheader "X-A" "2"; addheader "X-A" "3";"#)
        #expect(throws: SieveRuntimeError.self) { try SieveInterpreter.run(program, on: M.input(M.dated), limits: limits) }
    }
}
