import Foundation
import HatoTesting
import MailMessage
import SieveProtocol
import Testing

/// RFC 5235 spamtest, spamtestplus and virustest against Pigeonhole's sieve-test, both reading the
/// same fields: sieve-test configured to take the score from `Hato-Risk` (score type, maximum
/// 10, as `sieve.spamtest_max_score`) and the virus status from `X-Virus-Status` (text type:
/// Clean 1, Infected 5), Hato through `SieveAssessment`'s readers of the same fields.
/// Not compared, as sieve-test cannot read them: the floor of 8 for the phishing and spam
/// verdicts and the virus level Hato-Risk's attachment signals give (SieveSpamtestTests).
@Suite(.enabled(if: PigeonholeOracle.available || PigeonholeOracle.required,
                "sieve-test is not installed: apt-get install dovecot-core dovecot-sieve"))
struct PigeonholeSpamtestTests {
    static let plugin = #"""
          sieve_spamtest_status_type = score
          sieve_spamtest_status_header = Hato-Risk: verdict=[a-z]+; score=(-?[[:digit:]]+(\.[[:digit:]]+)?)
          sieve_spamtest_max_value = 10
          sieve_virustest_status_type = text
          sieve_virustest_status_header = X-Virus-Status: ([[:alpha:]]+)
          sieve_virustest_text_value1 = Clean
          sieve_virustest_text_value5 = Infected

        """#

    static func message(_ fields: String) -> [UInt8] {
        SieveTestMessages.message(fields + """
            From: Alice <alice@example.com>
            To: bob@example.org
            Subject: =?ISO-2022-JP?B?GyRCQEE1YT1xJE4kNEF3SVUbKEI=?=
            Content-Type: text/plain; charset=us-ascii

            body

            """)
    }

    static let messages: [(name: String, bytes: [UInt8])] = [
        ("not assessed", message("")),
        ("clean 0, virus clean", message("Hato-Risk: verdict=clean; score=0\nX-Virus-Status: Clean\n")),
        ("clean 2.5", message("Hato-Risk: verdict=clean; score=2.5; signals=first-contact-payment,html-only\n")),
        ("suspicious 5.5", message("Hato-Risk: verdict=suspicious; score=5.5; signals=reply-to-divergence,first-contact\n")),
        ("suspicious 7.25", message("Hato-Risk: verdict=suspicious; score=7.25; signals=html-form,javascript-link\n")),
        ("phishing 11, infected", message("Hato-Risk: verdict=phishing; score=11; signals=lookalike-domain,first-contact\nX-Virus-Status: Infected (Eicar-Signature)\n")),
        ("spam 12.5", message("Hato-Risk: verdict=spam; score=12.5; signals=dnsbl-listed,uribl-listed\n")),
        ("dnswl -2", message("Hato-Risk: verdict=clean; score=-2; signals=dnswl-listed\n")),
    ]

    static let scripts: [String] = [
        #"require ["spamtest", "variables", "fileinto"]; if spamtest :matches "*" { fileinto "spam-${1}"; }"#,
        #"require ["spamtestplus", "variables", "fileinto"]; if spamtest :percent :matches "*" { fileinto "percent-${1}"; }"#,
        #"require ["virustest", "variables", "fileinto"]; if virustest :matches "*" { fileinto "virus-${1}"; }"#,
        #"require ["spamtest", "relational", "comparator-i;ascii-numeric", "fileinto"]; if spamtest :value "ge" :comparator "i;ascii-numeric" "8" { fileinto "Junk"; } elsif spamtest :is "0" { fileinto "Untested"; }"#,
        #"require ["spamtestplus", "relational", "comparator-i;ascii-numeric", "fileinto"]; if spamtest :percent :value "gt" :comparator "i;ascii-numeric" "50" { fileinto "Over50"; } if spamtest :percent :value "le" :comparator "i;ascii-numeric" "20" { fileinto "Under20"; }"#,
        #"require ["virustest", "relational", "comparator-i;ascii-numeric", "fileinto"]; if virustest :value "eq" :comparator "i;ascii-numeric" "5" { discard; stop; } if virustest :value "ge" :comparator "i;ascii-numeric" "1" { fileinto "Scanned"; }"#,
        #"require ["spamtest", "virustest", "relational", "comparator-i;ascii-numeric", "fileinto"]; if spamtest :count "eq" :comparator "i;ascii-numeric" "1" { fileinto "One"; } if virustest :count "ne" :comparator "i;ascii-numeric" "1" { fileinto "NotOne"; }"#,
        #"require ["spamtest", "fileinto"]; if anyof (spamtest :is "10", spamtest :contains "1") { fileinto "HasOne"; } if spamtest :matches "?" { fileinto "OneDigit"; }"#,
        #"require ["spamtest", "relational", "fileinto"]; if spamtest :value "gt" "3" { fileinto "CasemapOrder"; }"#,
    ]

    /// What Hato's delivery would hand the script if reception had written these fields.
    static func assessment(_ bytes: [UInt8]) -> SieveAssessment {
        let header = ReceivedMessage(bytes: bytes).header
        var result = SieveAssessment()
        if let risk = header.fields(named: "Hato-Risk").first?.value, let spam = SieveAssessment.hatoRisk(risk, maxScore: 10) {
            result.spamRatio = spam.spamRatio
        }
        if let virus = header.fields(named: "X-Virus-Status").first?.value, let level = SieveAssessment.clamAV(virus) {
            result = result.combined(with: level)
        }
        return result
    }

    @Test(arguments: 0..<scripts.count)
    func hatoAgreesWithPigeonhole(_ index: Int) throws {
        try #require(PigeonholeOracle.available, "CI is set but sieve-test is not installed")
        let script = Self.scripts[index]
        let directory = try TemporaryDirectory(prefix: "hato-pigeonhole-spamtest")
        let program = try SieveProgram.compile(script)
        for (name, bytes) in Self.messages {
            let expected = try PigeonholeOracle.actions(script: script, message: bytes, from: "alice@example.com",
                                                        to: "bob@example.org", in: directory, plugin: Self.plugin)
            var input = SieveTestMessages.input(bytes)
            input.assessment = Self.assessment(bytes)
            let ours = PigeonholeOracle.normalize(Result { try SieveInterpreter.run(program, on: input) })
            #expect(ours == expected, "script \(index) on \(name): \(script)")
        }
    }
}
