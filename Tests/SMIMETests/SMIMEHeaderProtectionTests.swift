import Reception
import Testing

/// RFC 9788 injected header fields, byte for byte (the peers' view is SMIMEHeaderProtectionServeTests).
struct SMIMEHeaderProtectionTests {
    static let message = "From: hana@example.test\r\nTo: kenji@example.test,\r\n taro@example.test\r\nSubject: =?ISO-2022-JP?B?GyRCNUQ7dk8/GyhC?=\r\n"
        + "Keywords: contract\r\nMIME-Version: 1.0\r\nContent-Type: text/plain;\r\n charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\nbody\r\n"

    @Test func signedOnlyKeepsTheOutsideAndCopiesItIn() {
        let split = SMIMEComposer.protectingHeader(Array(Self.message.utf8), confidential: false)
        let fields = "From: hana@example.test\r\nTo: kenji@example.test,\r\n taro@example.test\r\nSubject: =?ISO-2022-JP?B?GyRCNUQ7dk8/GyhC?=\r\nKeywords: contract\r\n"
        #expect(String(decoding: split.outer, as: UTF8.self) == fields)
        #expect(String(decoding: split.entity, as: UTF8.self) == fields
            + "Content-Type: text/plain;\r\n charset=ISO-2022-JP; hp=\"clear\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\nbody\r\n")
    }

    @Test func encryptedObscuresTheSubjectOutsideAndRecordsIt() {
        let split = SMIMEComposer.protectingHeader(Array(Self.message.utf8), confidential: true)
        let outside = "From: hana@example.test\r\nTo: kenji@example.test,\r\n taro@example.test\r\nSubject: [...]\r\n"
        #expect(String(decoding: split.outer, as: UTF8.self) == outside, "hcp_baseline: Subject [...], no Keywords")
        #expect(String(decoding: split.entity, as: UTF8.self) ==
            "From: hana@example.test\r\nTo: kenji@example.test,\r\n taro@example.test\r\nSubject: =?ISO-2022-JP?B?GyRCNUQ7dk8/GyhC?=\r\nKeywords: contract\r\n"
            + "HP-Outer: From: hana@example.test\r\nHP-Outer: To: kenji@example.test,\r\n taro@example.test\r\nHP-Outer: Subject: [...]\r\n"
            + "Content-Type: text/plain;\r\n charset=ISO-2022-JP; hp=\"cipher\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\nbody\r\n")
    }

    @Test func noContentTypeMeansPlainASCIIText() {
        let split = SMIMEComposer.protectingHeader(Array("Subject: hi\r\n\r\nbody\r\n".utf8), confidential: false)
        #expect(String(decoding: split.entity, as: UTF8.self) == "Subject: hi\r\nContent-Type: text/plain; charset=us-ascii; hp=\"clear\"\r\n\r\nbody\r\n")
    }
}
