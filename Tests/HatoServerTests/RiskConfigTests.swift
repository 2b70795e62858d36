import Foundation
import HatoServer
import HatoTesting
import Reception
import RiskAssessment
import Testing

/// `[risk]`: defaults, every key typed into the stage's policy, and precise errors.
@Suite struct RiskConfigTests {
    let directory = try! TemporaryDirectory(prefix: "hato-risk-config")

    func load(_ text: String) throws -> HatoConfig {
        let path = directory.url.appendingPathComponent("hato.toml").path
        try ("data_dir = \"data\"\n" + text).write(toFile: path, atomically: true, encoding: .utf8)
        return try ConfigLoader.load(file: path, environment: [:]).settings
    }

    func errors(_ text: String) throws -> [String] {
        do { _ = try load(text) } catch let error as ConfigErrors { return error.errors.map(\.description) }
        Issue.record("expected configuration errors")
        return []
    }

    @Test func defaults() throws {
        let risk = try load("").risk
        #expect(risk.assess && !risk.submission && risk.recordCorrespondents)
        #expect(risk.dispositions == [.clean: .deliver, .suspicious: .tag, .phishing: .quarantine, .spam: .junk])
        #expect(risk.tags[.suspicious] == "[SUSPICIOUS]" && risk.externalTag == nil)
        #expect(risk.policy.phishingScore == 8 && risk.policy.suspiciousScore == 4)
        #expect(risk.policy.paymentKeywords.contains("振込先") && risk.policy.executableExtensions.contains("lnk"))
        #expect(risk.publicSuffixList.path == "/usr/share/publicsuffix/public_suffix_list.dat")
    }

    @Test func everyKeyReachesTheStage() throws {
        let risk = try load("""
            [risk]
            submission = "on"
            phishing = "reject"
            suspicious = "junk"
            tag_external = "[外部]"
            phishing_score = 10
            weights = ["first-contact=2.5", "html-only=0"]
            payment_keywords = ["至急"]
            executable_extensions = [".EXE"]
            partner_domains = ["Partner.co.jp"]
            vip_names = ["山田 太郎 <taro@example.co.jp>", "\\"Hanako Suzuki\\" <hanako@example.co.jp>"]
            max_archive_depth = 5
            """).risk
        let stage = try #require(risk.stagePolicy(suffixes: .defaultRuleOnly))
        #expect(stage.assessSubmission && stage.disposition(.phishing) == .reject && stage.disposition(.suspicious) == .junk)
        #expect(stage.externalTag == "[外部]")
        #expect(stage.assessor.policy.phishingScore == 10 && stage.assessor.policy.weight("first-contact") == 2.5)
        #expect(stage.assessor.policy.weight("html-only") == 0 && stage.assessor.policy.weight("lookalike-domain") == 6)
        #expect(stage.assessor.policy.paymentKeywords == ["至急"] && stage.assessor.policy.executableExtensions == ["exe"])
        #expect(stage.partnerDomains == ["partner.co.jp"])
        #expect(stage.vips == [KnownPerson(name: "山田 太郎", address: "taro@example.co.jp"), KnownPerson(name: "Hanako Suzuki", address: "hanako@example.co.jp")])
        #expect(stage.assessor.policy.limits.maxArchiveDepth == 5)
        #expect(try load("[risk]\nassess = \"off\"\n").risk.stagePolicy(suffixes: .defaultRuleOnly) == nil)
    }

    @Test func preciseErrors() throws {
        #expect(try errors("[risk]\nweights = [\"first-contact\"]\n").first?.contains("\"first-contact\" is not \"signal=weight\"") == true)
        #expect(try errors("[risk]\nweights = [\"made-up=3\"]\n").first?.contains("unknown signal \"made-up\"") == true)
        #expect(try errors("[risk]\nvip_names = [\"Taro\"]\n").first?.contains("is not \"Name <address>\"") == true)
        #expect(try errors("[risk]\nphishing = \"drop\"\n").first?.contains("one of deliver, tag, junk, quarantine, reject") == true)
    }
}
