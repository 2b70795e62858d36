import MailMessage
import RiskAssessment
import Testing

@Suite struct DisplayNameTests {
    @Test(arguments: [
        "山田太郎 <taro.yamada.office@gmail.com>",
        "\"山田　太郎\" <ceo@freemail.example>",
        "ﾔﾏﾀﾞ ﾀﾛｳ <x@freemail.example>",
        "ＨＡＮＡＫＯ ＳＵＺＵＫＩ <ceo@freemail.example>",
        "Suzuki Hanako <ceo@freemail.example>",
        "=?UTF-8?B?5bGx55Sw5aSq6YOO?= <boss@freemail.example>",
        "\"hanako@ours.example.jp\" <hanako.ours@freemail.example>",
        "佐藤 一郎 <sato.ichiro@freemail.example>",
    ])
    func flagsBorrowedNames(_ from: String) throws {
        let context = Risk.context { $0.vips.append(KnownPerson(name: "ヤマダ タロウ", address: "taro.yamada@ours.example.jp")) }
        let report = Risk.assess(Risk.message(from: from), context)
        let signal = try #require(report.signal("display-name-impersonation"), "\(from): \(report.signals)")
        #expect(signal.weight == 5)
    }

    @Test(arguments: [
        "山田 次郎 <jiro@freemail.example>",
        "山田太郎 <taro.yamada@ours.example.jp>",
        "佐藤 一郎 <sato@example.co.jp>",
        "Support <support@freemail.example>",
        "田中 <tanaka@freemail.example>",
    ])
    func leavesOthersAlone(_ from: String) {
        let report = Risk.assess(Risk.message(from: from))
        #expect(!report.has("display-name-impersonation"), "\(from): \(report.signals)")
    }

    @Test func localUsersNamesOnOutsideAddresses() {
        let context = Risk.context { $0.localUsers = [KnownPerson(name: "Kenji Watanabe", address: "kenji@ours.example.jp")] }
        #expect(Risk.assess(Risk.message(from: "Kenji Watanabe <kenji.w@freemail.example>"), context).has("display-name-impersonation"))
        #expect(!Risk.assess(Risk.message(from: "Kenji Watanabe <kenji@ours.example.jp>"), context).has("display-name-impersonation"))
    }

    /// One assessor for message after message, as the reception stage runs it: the users' names
    /// are folded once and kept, and answer the same each time; a Latin name one edit away
    /// still matches, two letters longer does not.
    @Test func keptNamesAnswerAsTheFirstFolding() {
        let assessor = Risk.assessor
        let context = Risk.context { context in
            context.localUsers = (0..<300).map { KnownPerson(name: "Local User \($0)", address: "user\($0)@ours.example.jp") }
            context.localUsers.append(KnownPerson(name: "Kenji Watanabe", address: "kenji@ours.example.jp"))
        }
        func impersonates(_ from: String) -> Bool {
            let text = Risk.message(from: from).replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
            return assessor.assess(MIMEMessage(parsing: Array(text.utf8)), context: context).has("display-name-impersonation")
        }
        for _ in 0..<2 {
            #expect(impersonates("Kenji Watanabe <kenji.w@freemail.example>"))
            #expect(impersonates("WATANABE Kenji <kenji.w@freemail.example>"))
            #expect(impersonates("Kenji Watanabee <kenji.w@freemail.example>"), "one edit")
            #expect(!impersonates("Kenji Watanabeeee <kenji.w@freemail.example>"), "three letters more")
            #expect(impersonates("Local User 17 <lu@freemail.example>"))
            #expect(!impersonates("Support <support@freemail.example>"))
        }
    }
}

@Suite struct ReplyToAndFirstContactTests {
    @Test func replyToElsewhere() throws {
        let report = Risk.assess(Risk.message(headers: ["Reply-To: sato.keiri@freemail.example"]))
        let signal = try #require(report.signal("reply-to-divergence"))
        #expect(signal.detail.contains("sato.keiri@freemail.example"))
        #expect(signal.weight == 2)
    }

    @Test func replyToTheSameOrganizationOrAList() {
        #expect(!Risk.assess(Risk.message(headers: ["Reply-To: support@help.example.co.jp"])).has("reply-to-divergence"))
        #expect(!Risk.assess(Risk.message(from: "Alice <alice@freemail.example>",
                                          headers: ["Reply-To: dev@lists.example.org", "List-Post: <mailto:dev@lists.example.org>"]))
            .has("reply-to-divergence"))
    }

    @Test func firstContactWeighsMoreWithPaymentWording() throws {
        let plain = Risk.assess(Risk.message(from: "New Vendor <sales@new-vendor.example>", subject: "ご挨拶"))
        #expect(plain.signal("first-contact")?.weight == 1)
        let japanese = Risk.assess(Risk.message(from: "経理部 <keiri@new-vendor.example>", subject: "【至急】振込先口座変更のお知らせ",
                                                body: "今月より振込先が変更になりました。\n"))
        let signal = try #require(japanese.signal("first-contact"))
        #expect(signal.weight == 3)
        #expect(signal.detail.contains("至急") && signal.detail.contains("振込先"), "\(signal.detail)")
        let english = Risk.assess(Risk.message(from: "CFO <cfo@new-vendor.example>", subject: "URGENT: wire transfer today", body: "Please pay the attached invoice.\n"))
        #expect(english.signal("first-contact")?.weight == 3)
    }

    /// The keywords' search forms are worked out when the policy is set: a policy changed on a
    /// built assessor is the one used, a keyword is matched in its NFKC lower-case form, and an
    /// empty keyword (or one whose form is empty) matches nothing.
    @Test func paymentKeywordsFollowThePolicy() throws {
        let message = Risk.message(from: "Vendor <v@new-vendor.example>", subject: "Quarterly statement", body: "Please review the ledger.\n")
        var assessor = Risk.assessor
        let parsed = MIMEMessage(parsing: Array(message.replacingOccurrences(of: "\n", with: "\r\n").utf8))
        #expect(assessor.assess(parsed, context: Risk.context()).signal("first-contact")?.weight == 1)
        assessor.policy.paymentKeywords = ["", "ＬＥＤＧＥＲ"]  // full-width capitals: NFKC gives "LEDGER"
        let signal = try #require(assessor.assess(parsed, context: Risk.context()).signal("first-contact"))
        #expect(signal.weight == 3 && signal.detail.hasSuffix("wording: ＬＥＤＧＥＲ"), "\(signal.detail)")
        assessor.policy.paymentKeywords = [""]
        #expect(assessor.assess(parsed, context: Risk.context()).signal("first-contact")?.weight == 1)
    }

    @Test func knownCorrespondentsAndOurselvesAreNoFirstContact() {
        #expect(!Risk.assess(Risk.message(subject: "請求書送付のご案内")).has("first-contact"))
        #expect(!Risk.assess(Risk.message(from: "Colleague <c@ours.example.jp>")).has("first-contact"))
        let outbound = Risk.context { $0.inbound = false }
        #expect(!Risk.assess(Risk.message(from: "X <x@new.example>"), outbound).has("first-contact"))
    }

    @Test func externalSender() {
        #expect(Risk.assess(Risk.message()).signal("external-sender")?.detail.contains("example.co.jp") == true)
        #expect(!Risk.assess(Risk.message(from: "C <c@ours.example.jp>")).has("external-sender"))
    }
}
