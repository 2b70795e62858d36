import MailMessage
import SieveProtocol
import Testing

/// RFC 5235: the grammar, the scales, and how Hato's own assessment and its filters' fields map
/// onto them (docs/sieve.md "Spam and virus tests").
struct SieveSpamtestTests {
    typealias M = SieveTestMessages

    func run(_ script: String, _ assessment: SieveAssessment) throws -> [SieveAction] {
        var input = M.input(M.english)
        input.assessment = assessment
        return try SieveInterpreter.run(try SieveProgram.compile(script), on: input).actions
    }

    @Test func requireAndGrammar() throws {
        #expect(SieveProgram.supportedExtensions.contains("spamtest"))
        #expect(SieveProgram.supportedExtensions.contains("spamtestplus"))
        #expect(SieveProgram.supportedExtensions.contains("virustest"))
        _ = try SieveProgram.compile(#"require "spamtestplus"; if spamtest :percent "0" { stop; }"#)
        let cases: [(String, String)] = [
            (#"if spamtest "1" { stop; }"#, #""spamtest" is used but not required"#),
            (#"require "spamtest"; if spamtest :percent "1" { stop; }"#, #""spamtestplus" is used but not required"#),
            (#"require "spamtest"; if spamtest "1" "2" { stop; }"#, "spamtest takes 1 argument, not 2"),
            (#"require "spamtest"; if spamtest ["1", "2"] { stop; }"#, "argument 1 must be one string"),
            (#"require "virustest"; if virustest :percent "1" { stop; }"#, "virustest does not take :percent"),
            (#"require "spamtest"; if virustest "1" { stop; }"#, #""virustest" is used but not required"#),
        ]
        for (script, message) in cases {
            #expect(throws: SieveCompileError.self) { try SieveProgram.compile(script) }
            do { _ = try SieveProgram.compile(script) } catch { #expect(error.description.contains(message), "\(script): \(error)") }
        }
    }

    @Test func scales() {
        #expect(SieveAssessment().spamtest == "0")
        #expect(SieveAssessment().spamtestPercent == "0")
        #expect(SieveAssessment().virustest == "0")
        let values: [(Double, String, String)] = [(0, "1", "0"), (0.25, "3", "25"), (0.5, "5", "50"), (0.8, "8", "80"), (0.99, "9", "99"), (1, "10", "100")]
        for (ratio, spamtest, percent) in values {
            #expect(SieveAssessment(spamRatio: ratio).spamtest == spamtest, "\(ratio)")
            #expect(SieveAssessment(spamRatio: ratio).spamtestPercent == percent, "\(ratio)")
        }
        #expect(SieveAssessment(spamRatio: 7).spamtest == "10")
        #expect(SieveAssessment(virusLevel: 9).virustest == "5")
    }

    @Test func hatoRisk() throws {
        func read(_ value: String) -> (String, String, String)? {
            SieveAssessment.hatoRisk(value, maxScore: 10).map { ($0.spamtest, $0.spamtestPercent, $0.virustest) }
        }
        #expect(read("verdict=clean; score=0")! == ("1", "0", "1"))
        #expect(read("verdict=clean; score=-2; signals=dnswl-listed")! == ("1", "0", "1"))
        #expect(read("verdict=suspicious; score=5.5; signals=reply-to-divergence,first-contact")! == ("5", "55", "1"))
        #expect(read("verdict=phishing; score=11; signals=lookalike-domain")! == ("10", "100", "1"))
        // The verdict floor: spam from two DNS lists scores 4 but is spam (docs/security.md).
        #expect(read("verdict=spam; score=4; signals=dnsbl-listed")! == ("8", "80", "1"))
        #expect(read("verdict=phishing; score=7.5; signals=lookalike-domain,dnswl-listed")! == ("8", "80", "1"))
        #expect(read("verdict=suspicious; score=6; signals=executable-attachment")! == ("6", "60", "4"))
        #expect(read("verdict=clean; score=3; signals=macro-document")!.2 == "4")
        #expect(SieveAssessment.hatoRisk("verdict=clean; score=3", maxScore: 5)!.spamtest == "6")
        for bad in ["", "verdict=clean", "score=3", "verdict=great; score=1", "verdict=clean; score=1e400", "verdict clean; score=1",
                    "verdict=clean; score=0x10"] {
            #expect(SieveAssessment.hatoRisk(bad, maxScore: 10) == nil, "\(bad)")
        }
    }

    @Test func filterFields() {
        #expect(SieveAssessment.rspamd("default: False [3.50 / 15.00];\r\n\tBAYES_HAM(-3.00)[99.99%]")?.spamtest == "3")
        #expect(SieveAssessment.rspamd("default: True [16.20 / 15.00]; GTUBE(0.00)")?.spamtest == "10")
        #expect(SieveAssessment.rspamd("default: True") == nil)
        #expect(SieveAssessment.rspamd("default: False [1 / 0]") == nil)
        #expect(SieveAssessment.spamAssassin("Yes, score=1000.0 required=5.0 tests=GTUBE autolearn=no")?.spamtest == "10")
        #expect(SieveAssessment.spamAssassin("No, score=-1.6 required=5.0 tests=ALL_TRUSTED")?.spamtest == "1")
        #expect(SieveAssessment.spamAssassin("No, score=2.5 required=5.0")?.spamtestPercent == "50")
        #expect(SieveAssessment.spamAssassin("No") == nil)
        #expect(SieveAssessment.clamAV("Clean")?.virustest == "1")
        #expect(SieveAssessment.clamAV("Infected (Hato-EICAR-Test.UNOFFICIAL)")?.virustest == "5")
        #expect(SieveAssessment.clamAV(" infected")?.virustest == "5")
        #expect(SieveAssessment.clamAV("Unknown") == nil)
        let both = SieveAssessment(spamRatio: 0.2, virusLevel: 1).combined(with: SieveAssessment(spamRatio: 0.9, virusLevel: 0))
        #expect(both == SieveAssessment(spamRatio: 0.9, virusLevel: 1))
        #expect(SieveAssessment().combined(with: SieveAssessment()).spamRatio == nil)
    }

    @Test func scripts() throws {
        let junk = #"require ["spamtest", "relational", "comparator-i;ascii-numeric", "fileinto"]; if spamtest :value "ge" :comparator "i;ascii-numeric" "8" { fileinto "Junk"; }"#
        #expect(M.folders(try run(junk, SieveAssessment(spamRatio: 0.8))) == ["Junk"])
        #expect(M.folders(try run(junk, SieveAssessment(spamRatio: 0.7))) == [])
        // RFC 5235 §3.1: without the numeric comparator "10" sorts before "8".
        let text = #"require ["spamtest", "relational", "fileinto"]; if spamtest :value "ge" "8" { fileinto "Junk"; }"#
        #expect(M.folders(try run(text, SieveAssessment(spamRatio: 1))) == [])
        let untested = #"require ["spamtest", "virustest", "fileinto"]; if allof (spamtest :is "0", virustest :is "0") { fileinto "Untested"; }"#
        #expect(M.folders(try run(untested, SieveAssessment())) == ["Untested"])
        let virus = #"require ["virustest", "relational", "comparator-i;ascii-numeric", "fileinto"]; if virustest :value "ge" :comparator "i;ascii-numeric" "4" { fileinto "Quarantine"; }"#
        #expect(M.folders(try run(virus, SieveAssessment(virusLevel: 4))) == ["Quarantine"])
        #expect(M.folders(try run(virus, SieveAssessment(virusLevel: 1))) == [])
        let percent = #"require ["spamtestplus", "relational", "comparator-i;ascii-numeric", "fileinto"]; if spamtest :percent :value "ge" :comparator "i;ascii-numeric" "95" { discard; }"#
        #expect(try run(percent, SieveAssessment(spamRatio: 0.96)).isEmpty)
        #expect(try run(percent, SieveAssessment(spamRatio: 0.94)) == [.keep(flags: [])])
    }
}
