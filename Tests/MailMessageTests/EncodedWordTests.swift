import Testing
@testable import MailMessage

@Suite struct EncodedWordTests {
    @Test func bAndQEncodings() {
        #expect(RFC2047.decodeUnstructured(Array("=?UTF-8?B?5pel5pys6Kqe?=".utf8)) == "日本語")
        #expect(RFC2047.decodeUnstructured(Array("=?iso-8859-1?q?caf=E9_au_lait?=".utf8)) == "café au lait")
        #expect(RFC2047.decodeUnstructured(Array("=?UTF-8?q?a=5Fb?=".utf8)) == "a_b")
    }

    @Test func whitespaceBetweenEncodedWordsIsDropped() {
        // RFC 2047 §8 examples
        #expect(RFC2047.decodeUnstructured(Array("(=?ISO-8859-1?Q?a?=)".utf8)) == "(a)")
        #expect(RFC2047.decodeUnstructured(Array("=?ISO-8859-1?Q?a?= b".utf8)) == "a b")
        #expect(RFC2047.decodeUnstructured(Array("=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=".utf8)) == "ab")
        #expect(RFC2047.decodeUnstructured(Array("=?ISO-8859-1?Q?a?=\r\n   =?ISO-8859-1?Q?b?=".utf8)) == "ab")
        #expect(RFC2047.decodeUnstructured(Array("=?ISO-8859-1?Q?a_b?=".utf8)) == "a b")
        #expect(RFC2047.decodeUnstructured(Array("=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=".utf8)) == "a b")
    }

    @Test func languageSuffixIsAccepted() {
        // RFC 2231 §5
        #expect(RFC2047.decodeUnstructured(Array("=?US-ASCII*EN?Q?Keith_Moore?=".utf8)) == "Keith Moore")
    }

    @Test func characterSplitAcrossWordsIsJoined() {
        // "日本" in UTF-8 is E6 97 A5 E6 9C AC; split after the 4th byte
        let first = String(decoding: Base64.encode([0xE6, 0x97, 0xA5, 0xE6]), as: UTF8.self)
        let second = String(decoding: Base64.encode([0x9C, 0xAC]), as: UTF8.self)
        let value = "=?UTF-8?B?\(first)?= =?UTF-8?B?\(second)?="
        #expect(RFC2047.decodeUnstructured(Array(value.utf8)) == "日本")
        // ISO-2022-JP: the escape state carries from one word into the next
        let jis = ISO2022JP.encode("日本語")!
        let a = String(decoding: Base64.encode(jis[0..<5]), as: UTF8.self)
        let b = String(decoding: Base64.encode(jis[5...]), as: UTF8.self)
        #expect(RFC2047.decodeUnstructured(Array("=?ISO-2022-JP?B?\(a)?=\r\n =?iso-2022-jp?B?\(b)?=".utf8)) == "日本語")
    }

    @Test func notEncodedWordsStayLiteral() {
        #expect(RFC2047.decodeUnstructured(Array("=?UTF-8?X?abc?=".utf8)) == "=?UTF-8?X?abc?=")
        #expect(RFC2047.decodeUnstructured(Array("=?UTF-8?B?a b?=".utf8)) == "=?UTF-8?B?a b?=")
        #expect(RFC2047.decodeUnstructured(Array("price =? 5".utf8)) == "price =? 5")
    }

    @Test func gluedEncodedWordsAreDecoded() {
        #expect(RFC2047.decodeUnstructured(Array("Re:=?UTF-8?B?5pel?=x".utf8)) == "Re:日x")
        #expect(RFC2047.decodeUnstructured(Array("=?UTF-8?B?5pel?==?UTF-8?B?5pys?=".utf8)) == "日本")
    }

    @Test func encodedWordsInPhrasesAndQuotedStrings() {
        let list = AddressParser.parseList("=?UTF-8?B?5bGx55Sw?= =?UTF-8?B?5aSq6YOO?= <taro@example.jp>, \"=?UTF-8?B?6Iqx5a2Q?=\" <hanako@example.jp>")
        #expect(list.mailboxes.map(\.displayName) == ["山田太郎", "花子"])
        #expect(list.mailboxes.first?.rawDisplayName == "=?UTF-8?B?5bGx55Sw?= =?UTF-8?B?5aSq6YOO?=")
    }
}
