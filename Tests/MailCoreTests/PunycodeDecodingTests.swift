import MailCore
import Testing

/// A-labels back to U-labels (RFC 3492 §6.2), for showing IDN hosts and finding homographs.
@Suite struct PunycodeDecodingTests {
    @Test func roundTrips() throws {
        for name in ["例え.テスト", "bücher.example", "日本語.jp", "\u{0430}pple.com", "mañana.com", "ドメイン名例.jp"] {
            #expect(try Domain(name).unicodeName == name.lowercased(), "\(name)")
        }
        // RFC 3492 §7.1 (A) Arabic (Egyptian) and (L) 3<nen>B<gumi><kinpachi><sensei>.
        #expect(Domain.unicodeForm(of: "xn--egbpdaj6bu4bxfgehfvwxn") == "ليهمابتكلموشعربي؟")
        #expect(Domain.unicodeForm(of: "xn--3b-ww4c5e180e575a65lsy2b") == "3年b組金八先生")
    }

    @Test func leavesWhatDoesNotDecode() {
        #expect(Domain.unicodeForm(of: "xn--.example") == "xn--.example")
        #expect(Domain.unicodeForm(of: "xn--zzzzzzzzzzzzzzzzzzzzzzzzzz.jp") == "xn--zzzzzzzzzzzzzzzzzzzzzzzzzz.jp", "overflow")
        #expect(Domain.unicodeForm(of: "xn--a-!.jp") == "xn--a-!.jp")
        #expect(Domain.unicodeForm(of: "plain.example") == "plain.example")
    }
}
