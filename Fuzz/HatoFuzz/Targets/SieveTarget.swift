// Sieve scripts (RFC 5228 and the extensions of docs/sieve.md): the lexer, parser and compiler
// with small limits, then the interpreter with a small instruction bound on a fixed message.

import MailMessage
import SieveProtocol

/// `sieve`: the input as a script. It either compiles or fails with a position inside the
/// script; a compiled script runs to a result or a runtime error within the step bound. The
/// input is also read as the fields RFC 5235's spamtest/virustest take: the values stay on their scales.
enum SieveTarget {
    static let message = ReceivedMessage(bytes: Array("""
        From: =?ISO-2022-JP?B?GyRCSVQ6XyROJCpDTiRpJDsbKEI=?= <a+b@example.jp>\r
        To: bob@example.org\r
        Subject: =?ISO-2022-JP?B?GyRCQEE1YT1xJE4kNEF3SVUbKEI=?=\r
        Received: from a by b; Sat, 5 Dec 2026 01:02:04 +0900\r
        List-Id: <x.example.jp>\r
        Date: Sat, 5 Dec 2026 01:02:03 +0900\r
        Message-ID: <fuzz@example.jp>\r
        \r
        body text\r

        """.utf8))

    static func run(_ bytes: [UInt8]) {
        var limits = SieveLimits()
        limits.maxScriptSize = 16 * 1024
        limits.maxStringLength = 1024
        limits.maxNesting = 12
        limits.maxCommands = 200
        limits.maxInstructions = 5_000
        limits.maxVariableSize = 256
        // :regex (ICU): small bounds, so a catastrophic pattern ends the search, never the fuzzer's -timeout.
        limits.maxRegexSize = 512
        limits.regexTimeLimit = 10
        limits.regexRunTime = .milliseconds(500)
        let assessment = assess(String(decoding: bytes.prefix(512), as: UTF8.self))
        let program: SieveProgram
        do {
            program = try SieveProgram.compile(bytes, limits: limits)
        } catch {
            let lines = bytes.filter { $0 == UInt8(ascii: "\n") }.count + 1
            precondition(error.position.line >= 1 && error.position.line <= lines, "error line \(error.position.line) outside the script")
            return
        }
        var input = SieveInput(received: message, envelopeFrom: "a+b@example.jp", envelopeTo: "bob@example.org")
        input.assessment = assessment
        do {
            let result = try SieveInterpreter.run(program, on: input, limits: limits)
            precondition(result.steps <= limits.maxInstructions, "ran past the instruction bound")
            precondition(result.notes.count <= 16, "more notes than the bound")
            let redirects = result.actions.filter { if case .redirect = $0 { true } else { false } }.count
            precondition(redirects <= limits.maxRedirects, "more redirects than the bound")
            if let edited = result.editedHeader {
                precondition(edited.fields.count <= message.header.fields.count + limits.maxHeaderEdits, "more fields than addheader may add")
                precondition(edited.fields.contains { $0.hasName("received") } == message.header.fields.contains { $0.hasName("received") },
                             "a protected field was deleted")
            }
        } catch {
            _ = error.description
        }
    }

    static func assess(_ value: String) -> SieveAssessment {
        var assessment = SieveAssessment()
        let readers: [(String) -> SieveAssessment?] = [
            { SieveAssessment.hatoRisk($0, maxScore: 10) }, SieveAssessment.rspamd, SieveAssessment.spamAssassin, SieveAssessment.clamAV,
        ]
        for read in readers { if let found = read(value) { assessment = assessment.combined(with: found) } }
        precondition((0...10).contains(Int(assessment.spamtest) ?? -1), "spamtest \(assessment.spamtest) off the scale")
        precondition((0...100).contains(Int(assessment.spamtestPercent) ?? -1), "percent \(assessment.spamtestPercent) off the scale")
        precondition((0...5).contains(Int(assessment.virustest) ?? -1), "virustest \(assessment.virustest) off the scale")
        return assessment
    }
}
