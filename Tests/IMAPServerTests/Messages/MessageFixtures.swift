// Messages and StoredMessage values for the FETCH and SEARCH tests. The expected section
// octets and decoded payloads were checked with Python's email package (compat32 policy,
// get_payload(decode=True)) on exactly these bytes.
import Foundation
import IMAPProtocol
import MailMessage
import MailStore
import NIOCore
@testable import IMAPServer

enum Fixtures {
    static func crlf(_ lines: String...) -> String { lines.joined(separator: "\r\n") }

    static let innerMessage = crlf(
        "From: Inner Sender <inner@example.org>",
        "Subject: =?UTF-8?B?5YaF6YOo?=",
        "Content-Type: multipart/alternative; boundary=\"in\"",
        "",
        "--in",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "inner plain",
        "--in",
        "Content-Type: text/html; charset=utf-8",
        "",
        "<p>inner <b>html</b></p>",
        "--in--",
        "")

    static let mixedHeader = crlf(
        "Return-Path: <a@example.com>",
        "From: Alice <a@example.com>",
        "To: Bob <b@example.net>",
        "Subject: mixed",
        "X-Long: one",
        "  two",
        "Date: Mon, 7 Feb 1994 21:52:25 -0800",
        "MIME-Version: 1.0",
        "Content-Type: multipart/mixed; boundary=\"outer\"",
        "",
        "")

    static let mixedText = crlf(
        "preamble",
        "--outer",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "Hello world",
        "--outer",
        "Content-Type: text/html; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "<p>caf=C3=A9 =",
        "ok</p>",
        "--outer",
        "Content-Type: application/octet-stream; name=\"a.bin\"",
        "Content-Transfer-Encoding: base64",
        "Content-Disposition: attachment; filename=\"a.bin\"",
        "",
        "AAECAwQFBgcICQ==",
        "--outer",
        "Content-Type: message/rfc822",
        "",
        innerMessage,
        "--outer",
        "Content-Type: application/x-odd",
        "Content-Transfer-Encoding: x-uuencode",
        "",
        "begin 644 x",
        "--outer--",
        "epilogue",
        "")

    /// 1024 octets, as Python's email package counts them.
    static let mixed = Array((mixedHeader + mixedText).utf8)

    static func stored(_ bytes: [UInt8], uid: UInt32 = 1, modSeq: UInt64 = 1, flags: MessageFlags = MessageFlags(),
                       internalDate: Date = Date(timeIntervalSince1970: 760_000_000), withSummary: Bool = true) -> StoredMessage {
        StoredMessage(mailboxID: MailboxID(1), uid: uid, modSeq: modSeq, flags: flags, internalDate: internalDate,
                      size: Int64(bytes.count), body: BodyReference(path: "test/\(uid)"),
                      summary: withSummary ? summaryJSON(bytes) : nil)
    }

    /// As HatoServer's MessageSummaries writes it.
    static func summaryJSON(_ bytes: [UInt8]) -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        return try! encoder.encode(MessageSummary(parsing: bytes))
    }

    static let utc = TimeZone(secondsFromGMT: 0)!

    /// One FETCH response exactly as the server writes it.
    static func wire(_ sequenceNumber: UInt32, _ items: [IMAPFetchItem]) -> String {
        let buffer = IMAPResponseEncoder().encode(.data(.fetch(sequenceNumber, items)))
        return String(decoding: buffer.readableBytesView, as: UTF8.self)
    }

    static func bytes(_ buffer: ByteBuffer?) -> String? {
        buffer.map { String(decoding: $0.readableBytesView, as: UTF8.self) }
    }

    static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            out.append(UInt8(s[i..<j], radix: 16)!)
            i = j
        }
        return out
    }
}
