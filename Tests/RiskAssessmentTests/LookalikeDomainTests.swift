import MailCore
import MailMessage
import RiskAssessment
import Testing

@Suite struct PublicSuffixListTests {
    @Test func followsTheFormalAlgorithm() {
        let list = PublicSuffixList(text: """
            // comment
            jp
            co.jp
            *.ck
            !www.ck
            公司.cn
            """)
        #expect(list.registrableDomain(of: "www.example.co.jp") == "example.co.jp")
        #expect(list.registrableDomain(of: "example-co.jp") == "example-co.jp")
        #expect(list.registrableDomain(of: "co.jp") == nil, "a public suffix has no registrable domain")
        #expect(list.publicSuffix(of: "a.b.ck") == "b.ck", "the wildcard takes one label")
        #expect(list.registrableDomain(of: "a.b.ck") == "a.b.ck")
        #expect(list.registrableDomain(of: "www.ck") == "www.ck", "the exception beats the wildcard")
        #expect(list.registrableDomain(of: "mail.example.com") == "example.com", "the default rule *")
        #expect(list.registrableDomain(of: "xn--fiqs8s.xn--55qx5d.cn") == "xn--fiqs8s.xn--55qx5d.cn", "Unicode rules in A-label form")
    }

    @Test func readsDebiansList() throws {
        let list = try #require(PublicSuffixList(contentsOf: PublicSuffixList.debianPath), "apt-get install publicsuffix")
        #expect(list.ruleCount > 5000)
        #expect(list.registrableDomain(of: "www.city.kawasaki.jp") == "city.kawasaki.jp", "!city.kawasaki.jp: an exception to *.kawasaki.jp")
        #expect(list.registrableDomain(of: "shop.example.ne.jp") == "example.ne.jp")
    }
}

@Suite struct LookalikeDomainTests {
    func from(_ address: String) -> RiskReport {
        Risk.assess(Risk.message(from: "Support <\(address)>"))
    }

    @Test(arguments: [
        ("info@example-co.jp", "example.co.jp"),
        ("billing@rnicrosoft.com", "microsoft.com"),
        ("service@paypa1.com", "paypal.com"),
        ("keiri@exarnple.co.jp", "example.co.jp"),
        ("sato@example.co.jp.invoice-check.com", "example.co.jp"),
    ])
    func flagsLookalikes(_ address: String, _ imitated: String) throws {
        let signal = try #require(from(address).signal("lookalike-domain"), "\(address)")
        #expect(signal.detail.contains(imitated), "\(signal.detail)")
        #expect(signal.weight == 6)
    }

    @Test func flagsIDNHomographs() throws {
        // Cyrillic а (U+0430) in "аpple.com".
        let homograph = try Domain("\u{0430}pple.com").name
        #expect(homograph.hasPrefix("xn--"))
        let signal = try #require(from("id@\(homograph)").signal("lookalike-domain"))
        #expect(signal.detail.contains("IDN homograph of apple.com"), "\(signal.detail)")
    }

    @Test(arguments: ["sato@example.co.jp", "news@mail.example.co.jp", "info@example.org", "ceo@ours.example.jp",
                      "support@microsoft.co.jp.example.net.jp", "hello@sony.co.jp", "team@github.com", "info@example.or.jp",
                      "news@example.com", "sales@paypal-community.example"])
    func leavesOthersAlone(_ address: String) {
        let report = from(address)
        #expect(!report.has("lookalike-domain"), "\(address): \(report.signals)")
    }

    @Test func checksReplyToEnvelopeAndLinks() throws {
        var context = Risk.context()
        context.mailFrom = "bounce@paypa1.com"
        let report = Risk.assess(Risk.html(#"<p><a href="https://login.rnicrosoft.com/reset">パスワード再設定</a></p>"#,
                                           plain: "see link", from: "Sato <sato@example.co.jp>"), context)
        let detail = try #require(report.signal("lookalike-domain")).detail
        #expect(detail.contains("envelope sender: paypa1.com"), "\(detail)")
        #expect(detail.contains("a link: rnicrosoft.com"), "\(detail)")
        let replyTo = Risk.assess(Risk.message(headers: ["Reply-To: sato@example-co.jp"]))
        #expect(replyTo.signal("lookalike-domain")?.detail.contains("Reply-To") == true)
        #expect(replyTo.has("reply-to-divergence"))
    }

    @Test func correspondentsDomainsAreProtectedToo() throws {
        let context = Risk.context { $0.correspondents = [KnownCorrespondent(address: "tanaka@kobayashi-shoji.co.jp", messages: 4)] }
        let report = Risk.assess(Risk.message(from: "田中 <tanaka@kobayashi-shouji.co.jp>"), context)
        #expect(try #require(report.signal("lookalike-domain")).detail.contains("a correspondent"))
    }
}

/// The reception stage keeps one assessor for every message, and the assessor keeps the
/// lookalike comparisons of recent trusted lists (`LookalikeMemo`): a change of correspondents
/// must change what counts as a lookalike at once.
@Suite struct LookalikeMemoTests {
    @Test func theKeptComparisonFollowsTheTrustedDomains() {
        let assessor = Risk.assessor
        let text = Risk.message(from: "Kenji Mori <kenji@examp1e-trading.com>").replacingOccurrences(of: "\n", with: "\r\n")
        func lookalike(_ correspondents: [KnownCorrespondent]) -> Bool {
            assessor.assess(MIMEMessage(parsing: Array(text.utf8)), context: Risk.context { $0.correspondents = correspondents })
                .has("lookalike-domain")
        }
        let partner = [KnownCorrespondent(address: "kenji@example-trading.com", name: "Kenji Mori", messages: 5)]
        #expect(!lookalike([]), "no trusted domain like it yet")
        #expect(lookalike(partner), "one edit away from a correspondent's domain")
        #expect(lookalike(partner), "the same list: the kept comparison")
        #expect(!lookalike([]), "the correspondent is gone again")
        #expect(lookalike(partner + [KnownCorrespondent(address: "a@other.example", messages: 1)]))
    }
}
