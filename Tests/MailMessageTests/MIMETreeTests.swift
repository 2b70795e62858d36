import Testing
@testable import MailMessage

@Suite struct MIMETreeTests {
    static let nested = crlf("""
    Content-Type: multipart/mixed; boundary=a

    pre
    --a
    Content-Type: text/plain

    one
    --a
    Content-Type: message/rfc822

    Subject: inner
    Content-Type: multipart/alternative; boundary=b

    --b

    inner one
    --b
    Content-Type: text/html

    <b>two</b>
    --b--
    --a--
    post
    """)

    func text(_ m: MIMEMessage, _ r: ByteRange?) -> String? {
        r.map { String(decoding: m.bytes[$0.range], as: UTF8.self) }
    }

    @Test func sectionsAndOffsets() {
        let m = MIMEMessage(parsing: MIMETreeTests.nested)
        #expect(m.problems.isEmpty)
        guard case .multipart(let top) = m.root.content else { Issue.record("not multipart"); return }
        #expect(text(m, top.preamble) == "pre")
        #expect(text(m, top.epilogue) == "post")
        #expect(text(m, m.part(at: [1])?.bodyRange) == "one")
        #expect(text(m, m.part(at: [1])?.headerRange) == "Content-Type: text/plain\r\n\r\n")
        #expect(m.part(at: [2])?.contentType.mimeType == "message/rfc822")
        #expect(text(m, m.part(at: [2, 1])?.bodyRange) == "inner one")
        #expect(m.part(at: [2, 1])?.contentType.mimeType == "text/plain")
        #expect(text(m, m.part(at: [2, 2])?.bodyRange) == "<b>two</b>")
        #expect(m.part(at: [3]) == nil)
        #expect(m.part(at: [1, 1]) == nil)

        let s = MessageSummary(m)
        #expect(s.sections.map(\.section) == [[], [1], [2], [2, 1], [2, 2]])
        #expect(text(m, s.location(of: [2])?.messageHeader)?.hasPrefix("Subject: inner\r\n") == true)
        #expect(text(m, s.location(of: [2])?.messageText)?.hasPrefix("--b\r\n") == true)
        #expect(text(m, s.location(of: [2, 2])?.header) == "Content-Type: text/html\r\n\r\n")
    }

    @Test func nonMultipartMessageHasPartOne() {
        let m = MIMEMessage(parsing: crlf("Subject: x\n\nhello\n"))
        #expect(m.part(at: [1])?.bodyRange == m.root.bodyRange)
        #expect(m.part(at: [2]) == nil)
        let s = MessageSummary(m)
        #expect(s.location(of: [1])?.body == m.root.bodyRange)
        #expect(s.location(of: [])?.messageText == m.root.bodyRange)
    }

    @Test func topLevelMessageRFC822NumbersItsBodyAsOne() {
        let m = MIMEMessage(parsing: crlf("Content-Type: message/rfc822\n\nSubject: in\nContent-Type: multipart/mixed; boundary=z\n\n--z\n\nA\n--z\n\nB\n--z--\n"))
        #expect(m.part(at: [1])?.header.subject == "in")
        #expect(text(m, m.part(at: [1, 2])?.bodyRange) == "B")
        let s = MessageSummary(m)
        #expect(s.sections.map(\.section) == [[], [1], [1, 1], [1, 2]])
    }

    @Test func missingCloseDelimiterAndPrefixBoundaries() {
        // outer boundary "ab" is a prefix of inner "abc"; inner never closes
        let m = MIMEMessage(parsing: crlf("""
        Content-Type: multipart/mixed; boundary=ab

        --ab
        Content-Type: multipart/alternative; boundary=abc

        --abc

        x
        --ab

        y
        --ab--
        """))
        #expect(m.root.parts.count == 2)
        #expect(text(m, m.part(at: [1, 1])?.bodyRange) == "x")
        #expect(text(m, m.part(at: [2])?.bodyRange) == "y")
        #expect(m.problems.contains { $0.kind == .missingCloseDelimiter && $0.section == "1" })
    }

    @Test func boundaryProblems() {
        let noBoundary = MIMEMessage(parsing: crlf("Content-Type: multipart/mixed\n\nhello\n"))
        #expect(noBoundary.root.contentType.mimeType == "text/plain")
        #expect(noBoundary.problems.map(\.kind) == [.missingBoundary])
        let noDelimiter = MIMEMessage(parsing: crlf("Content-Type: multipart/mixed; boundary=q\n\nhello\n"))
        #expect(noDelimiter.root.isLeaf)
        #expect(noDelimiter.problems.map(\.kind) == [.missingStartBoundary])
        // transport padding after the delimiter, junk after the close delimiter
        let padded = MIMEMessage(parsing: crlf("Content-Type: multipart/mixed; boundary=q\n\n--q  \t\n\nA\n--q--junk\n"))
        #expect(text(padded, padded.part(at: [1])?.bodyRange) == "A")
        #expect(padded.problems.isEmpty)
    }

    @Test func digestDefaultsToMessage() {
        let m = MIMEMessage(parsing: crlf("Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\nbody\n--d--\n"))
        #expect(m.part(at: [1])?.contentType.mimeType == "message/rfc822")
        #expect(m.part(at: [1])?.encapsulatedMessage?.header.subject == "one")
    }

    @Test func depthAndPartLimits() {
        var raw = ""
        for k in 0..<100 { raw += "Content-Type: multipart/mixed; boundary=b\(k)\n\n--b\(k)\n" }
        raw += "\nleaf\n"
        let m = MIMEMessage(parsing: crlf(raw), limits: MessageLimits(maxDepth: 10))
        #expect(m.problems.contains { $0.kind == .depthLimitExceeded })
        #expect(m.root.allParts.count <= 12)
        let many = "Content-Type: multipart/mixed; boundary=m\n\n" + String(repeating: "--m\n\nx\n", count: 50) + "--m--\n"
        let limited = MIMEMessage(parsing: crlf(many), limits: MessageLimits(maxPartsPerMultipart: 5))
        #expect(limited.root.parts.count == 5)
        #expect(limited.problems.contains { $0.kind == .partLimitExceeded })
        let headers = String(repeating: "X-A: b\n", count: 100) + "\nbody"
        let capped = MIMEMessage(parsing: crlf(headers), limits: MessageLimits(maxHeaderFields: 10))
        #expect(capped.header.fields.count == 10)
        #expect(capped.problems.contains { $0.kind == .tooManyHeaderFields })
    }

    /// A multipart with far more parts than may be parsed: only the allowed parts are split out,
    /// the close delimiter is still found (the epilogue is right), and parts with no body at all
    /// (a delimiter directly followed by another) still make no part.
    @Test func partsPastTheLimitAreScannedNotKept() {
        let many = "Content-Type: multipart/mixed; boundary=m\n\npre\n--m\n" + String(repeating: "--m\n\nx\n", count: 20_000)
            + "--m--\nepilogue\n"
        let limited = MIMEMessage(parsing: crlf(many), limits: MessageLimits(maxPartsPerMultipart: 7, maxTotalParts: 100))
        #expect(limited.root.parts.count == 7)
        #expect(limited.root.parts.allSatisfy { $0.section.count == 1 })
        #expect(text(limited, limited.part(at: [7])?.bodyRange) == "x")
        #expect(limited.problems.map(\.kind) == [.partLimitExceeded])
        guard case .multipart(let multipart) = limited.root.content else { Issue.record("not a multipart"); return }
        #expect(multipart.closed)
        #expect(text(limited, multipart.epilogue) == "epilogue\r\n")
        #expect(text(limited, multipart.preamble) == "pre")
        // Limited by the parts left in the whole message rather than per multipart.
        let total = MIMEMessage(parsing: crlf(many), limits: MessageLimits(maxTotalParts: 4))
        #expect(total.root.parts.count == 3)
    }

    @Test func encodedMessagePartStaysLeaf() {
        let m = MIMEMessage(parsing: crlf("Content-Type: multipart/mixed; boundary=q\n\n--q\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nU3ViamVjdDogeA0KDQpi\n--q--\n"))
        #expect(m.part(at: [1])?.isLeaf == true)
        #expect(m.problems.map(\.kind) == [.encodedMessagePart])
        if case .multipart(let mp) = BodyStructure(part: m.root, bytes: m.bytes), case .singlePart(let p) = mp.parts[0] {
            #expect(p.type == "application" && p.message == nil)
        } else {
            Issue.record("unexpected structure")
        }
    }

    @Test func decodedBodiesAndText() {
        let m = MIMEMessage(parsing: crlf("""
        Content-Type: multipart/alternative; boundary=q

        --q
        Content-Type: text/plain; charset=iso-2022-jp
        Content-Transfer-Encoding: base64

        GyRCRnxLXDhsGyhC
        --q
        Content-Type: text/html; charset=utf-8
        Content-Transfer-Encoding: quoted-printable

        <p>caf=C3=A9 &amp; <b>th=C3=A9</b></p><script>x()</script>
        --q--
        """))
        #expect(m.text(of: m.part(at: [1])!)?.text == "日本語")
        #expect(m.textBody == "日本語")
        #expect(m.decodedText.contains("日本語"))
        #expect(m.decodedText.contains("café & thé"))
        #expect(!m.decodedText.contains("x()"))
        // Texts the caller already decoded are taken as given (HTML still made plain); nil decodes here.
        #expect(m.decodedText(known: { _ in nil }) == m.decodedText)
        let known = m.decodedText(known: { $0.section == [1] ? "known text" : nil })
        #expect(known == "known text\n" + (m.decodedText.split(separator: "\n", maxSplits: 1).last.map(String.init) ?? ""), "\(known)")
        #expect(m.decodedText(known: { $0.section == [2] ? "<i>given</i> html" : nil }) == "日本語\ngiven html")
    }
}
