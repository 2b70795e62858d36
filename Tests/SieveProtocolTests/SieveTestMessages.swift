import MailMessage
import SieveProtocol

/// Messages the Sieve tests run scripts on (Japanese ones in the encodings Japanese mail uses).
enum SieveTestMessages {
    static let english = message("""
        Return-Path: <alice+lists@example.com>
        From: Alice Example <alice+lists@example.com>
        To: bob@example.org, Carol <carol@example.net>
        Subject: Quarterly report [acme-users]
        List-Id: <acme-users.example.com>
        X-Priority: 2
        Content-Type: text/plain; charset=us-ascii

        Hello Bob, the report is attached.

        """)

    /// Subject "請求書のご送付" as an ISO-2022-JP encoded word (RFC 2047, RFC 1468).
    static let japaneseSubject = message("""
        From: =?ISO-2022-JP?B?GyRCSVQ6XyROJCpDTiRpJDsbKEI=?= <keiri@example.jp>
        To: bob@example.org
        Subject: =?ISO-2022-JP?B?GyRCQEE1YT1xJE4kNEF3SVUbKEI=?=
        Content-Type: text/plain; charset=ISO-2022-JP

        test

        """)

    /// Two Received and two Cc fields, for RFC 5260 :index and :last.
    static let trace = message("""
        Received: from relay2.example.net by mx.example.org; Sat, 5 Dec 2026 10:00:02 +0900
        Received: from relay1.example.com by relay2.example.net; Sat, 5 Dec 2026 10:00:01 +0900
        From: Alice <alice@example.com>
        To: bob@example.org
        Cc: first@example.com
        Cc: second@example.net
        Subject: trace

        body

        """)

    /// Two Date fields and a Received field with dates in three zones (RFC 5260 date tests),
    /// an ISO-2022-JP subject "会議の日程" and a field for editheader to delete.
    static let dated = message("""
        Received: from relay.example.jp by mx.example.org; Sun, 6 Dec 2026 23:59:59 +0000
        Date: Sat, 5 Dec 2026 01:02:03 +0900
        Date: Mon, 7 Dec 2026 10:00:00 -0500
        From: =?ISO-2022-JP?B?GyRCRURDZhsoQg==?= <tanaka@example.jp>
        To: bob@example.org
        Subject: =?ISO-2022-JP?B?GyRCMnE1RCRORnxEeBsoQg==?=
        Message-ID: <kaigi-1205@example.jp>
        X-Mailer: Tanaka Mailer 1.0
        X-Spam-Flag: YES
        Content-Type: text/plain; charset=us-ascii

        See you on Monday.

        """)

    /// A Shift_JIS body: "お世話になっております。請求書を添付します。"
    static let shiftJISBody: [UInt8] = Array("""
        From: keiri@example.jp\r
        To: bob@example.org\r
        Subject: invoice\r
        MIME-Version: 1.0\r
        Content-Type: text/plain; charset=Shift_JIS\r
        Content-Transfer-Encoding: 8bit\r
        \r

        """.utf8) + [0x82, 0xA8, 0x90, 0xA2, 0x98, 0x62, 0x82, 0xC9, 0x82, 0xC8, 0x82, 0xC1, 0x82, 0xC4, 0x82, 0xA8, 0x82, 0xE8,
                     0x82, 0xDC, 0x82, 0xB7, 0x81, 0x42, 0x90, 0xBF, 0x8B, 0x81, 0x8F, 0x91, 0x82, 0xF0, 0x93, 0x59, 0x95, 0x74,
                     0x82, 0xB5, 0x82, 0xDC, 0x82, 0xB7, 0x81, 0x42, 0x0D, 0x0A]

    static func message(_ text: String) -> [UInt8] {
        Array(text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
    }

    static func input(_ bytes: [UInt8], from: String = "alice+lists@example.com", to: String = "bob@example.org",
                      mailboxes: Set<String> = ["INBOX", "Work"]) -> SieveInput {
        SieveInput(received: ReceivedMessage(bytes: bytes), envelopeFrom: from, envelopeTo: to, mailboxes: mailboxes)
    }

    /// The mailbox names of the fileinto actions, in order.
    static func folders(_ actions: [SieveAction]) -> [String] {
        actions.compactMap { if case .fileinto(let box, _, _) = $0 { box } else { nil } }
    }

    static func run(_ script: String, _ bytes: [UInt8] = english, limits: SieveLimits = .default,
                    from: String = "alice+lists@example.com") throws -> [SieveAction] {
        let program = try SieveProgram.compile(script, limits: limits)
        return try SieveInterpreter.run(program, on: input(bytes, from: from), limits: limits).actions
    }
}
