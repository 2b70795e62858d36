// RFC 8970 §3.1 previews: the first text part, decoded, whitespace made single spaces, at most
// 256 characters.
import Testing
@testable import MailMessage

@Suite struct PreviewTests {
    func preview(_ s: String) -> String { MIMEMessage(parsing: crlf(s)).preview() }

    @Test func plainTextWhitespaceIsCollapsed() {
        #expect(preview("Subject: x\n\n  Hello,\n\n\tthe  meeting\nis at ten.  \n") == "Hello, the meeting is at ten.")
    }

    @Test func japaneseISO2022JPBase64WithIdeographicSpaces() {
        // "お疲れさまです。　明日の会議は\n\n１０時からです。"
        let text = preview("""
            Subject: x
            MIME-Version: 1.0
            Content-Type: text/plain; charset=ISO-2022-JP
            Content-Transfer-Encoding: base64

            GyRCJCpIaCRsJDUkXiRHJDkhIyEhTEBGfCROMnE1RCRPGyhCCgobJEIjMSMwO34kKyRpJEckOSEjGyhC

            """)
        #expect(text == "お疲れさまです。 明日の会議は １０時からです。")
    }

    @Test func htmlOnlyIsReducedToTextAndAttachmentsAreSkipped() {
        let text = preview("""
            Subject: x
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="b"

            --b
            Content-Type: text/plain; name="notes.txt"
            Content-Disposition: attachment; filename="notes.txt"

            attached notes
            --b
            Content-Type: text/html; charset=utf-8
            Content-Transfer-Encoding: quoted-printable

            <html><head><style>p {color: red}</style></head><body><p>Caf=C3=A9 <b>ouvert</b></p><p>demain</p></body></html>
            --b--

            """)
        #expect(text == "Café ouvert demain")
    }

    @Test func cutAt256CharactersNeverSplittingACharacter() {
        let body = String(repeating: "あ", count: 250) + " " + String(repeating: "👍🏽", count: 20)
        let text = preview("Subject: x\nContent-Type: text/plain; charset=utf-8\n\n" + body + "\n")
        #expect(text.count == 256)
        #expect(text.hasPrefix(String(repeating: "あ", count: 250) + " 👍🏽"))
        #expect(text.hasSuffix("👍🏽"))
    }

    @Test func noTextGivesAnEmptyPreview() {
        #expect(preview("Subject: x\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n") == "")
        #expect(preview("Subject: x\n\n") == "")
    }

    @Test func onlyTheFirstOctetsOfALongPartAreDecoded() {
        let message = MIMEMessage(parsing: crlf("Subject: x\n\n" + String(repeating: "word ", count: 100_000) + "\n"))
        #expect(message.preview(maxCharacters: 10, maxSourceOctets: 12) == "word word")
        #expect(message.preview().count == 256)
    }
}
