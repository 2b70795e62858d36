import SieveProtocol
import Testing

@Suite struct SieveCompileTests {
    func error(_ script: String, limits: SieveLimits = .default) -> SieveCompileError? {
        do {
            _ = try SieveProgram.compile(script, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test func errorsCarryLineAndColumn() {
        #expect(error("require \"fileinto\";\nif true {\n  fileinto \"A\"\n}\n")?.position == SievePosition(line: 4, column: 1))
        #expect(error("keep;\n  frobnicate;")?.position == SievePosition(line: 2, column: 3))
        #expect(error("if header :is \"a\" \"b\" { keep; ")?.message == "block opened here is not closed")
        #expect(error("fileinto \"A\";")?.message == "\"fileinto\" is used but not required")
        #expect(error("keep; require \"fileinto\";")?.message == "require must come before other commands")
        #expect(error("require \"x-unknown\";")?.message == "unsupported extension \"x-unknown\"")
        #expect(error("if header :is :contains \"a\" \"b\" { keep; }")?.message == "header takes one match type")
        #expect(error("if size 10 { keep; }")?.message == "size needs one of :over or :under")
        #expect(error("\"unterminated") != nil)
    }

    @Test func multiLineStringsAndComments() throws {
        let script = "require \"vacation\"; # comment\n/* block\n comment */ vacation text:\r\nline one\r\n..dot\r\n.\r\n;"
        let program = try SieveProgram.compile(script)
        #expect(program.instructions == [.vacation(SieveVacationSpec(reason: "line one\r\n.dot\r\n"))])
    }

    @Test func limitsAreEnforced() {
        var limits = SieveLimits()
        limits.maxScriptSize = 20
        #expect(error("if true { keep; } if true { keep; }", limits: limits)?.message.contains("more than the limit") == true)
        limits = SieveLimits()
        limits.maxNesting = 3
        let nested = String(repeating: "if true { ", count: 5) + "keep;" + String(repeating: " }", count: 5)
        #expect(error(nested, limits: limits)?.message == "nested deeper than 3")
        limits = SieveLimits()
        limits.maxCommands = 10
        #expect(error(String(repeating: "keep; ", count: 11), limits: limits)?.message == "more than 10 commands and tests")
        limits = SieveLimits()
        limits.maxStringLength = 8
        #expect(error("redirect \"abcdefghijkl\";", limits: limits)?.message.contains("longer than") == true)
        #expect(error("redirect \"\u{FFFD}\";") == nil)
    }

    @Test func numbersTakeQuantifiers() throws {
        let program = try SieveProgram.compile("if size :over 2M { discard; }")
        #expect(program.instructions == [.conditional([SieveBranch(test: .size(over: true, limit: 2 << 20), body: [.discard])], otherwise: nil)])
    }
}
