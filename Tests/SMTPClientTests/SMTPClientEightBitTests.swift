import Foundation
import HatoTesting
import SMTPClient
import Testing

/// 8-bit messages for a peer without 8BITMIME (RFC 6152 §3): converted to 7-bit, and Python's
/// email package must decode every part back to the original bytes.
@Suite struct SMTPClientEightBitTests {
    typealias T = ClientTestSupport

    static let original: [UInt8] = {
        let longLine = "Grüße aus Köln, " + String(repeating: "a=b ", count: 30) + "ende  "
        var message = Array("""
            From: a@example.org\r
            To: b@example.test\r
            Subject: mixed\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="=_outer"\r
            \r
            preamble\r
            --=_outer\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: 8bit\r
            \r
            \(longLine)\r
            .a line with a leading dot and tab\t\r
            From the start of a line\r
            --=_outer\r
            Content-Type: multipart/alternative; boundary=inner\r
            \r
            --inner\r
            Content-Type: text/html; charset=utf-8\r
            \r
            <p>naïve café</p>\r
            --inner\r
            Content-Type: text/plain; charset=us-ascii\r
            \r
            plain ascii stays as it is\r
            --inner--\r
            --=_outer\r
            Content-Type: application/octet-stream\r
            Content-Transfer-Encoding: 8bit\r
            \r

            """.utf8)
        message += (0x80...0xFF).map { UInt8($0) } + Array("\r\n--=_outer--\r\nepilogue\r\n".utf8)
        return message
    }()

    @Test func eightBitPartsBecomeQuotedPrintableOrBase64AndDecodeBack() async throws {
        let peer = try await ScriptedPeer.aiosmtpd(["ehlo_remove": ["8BITMIME"]])
        let connection = try await T.connect(peer.port, T.configuration())
        #expect(!connection.capabilities.eightBitMIME)
        let result = try await connection.send(
            SMTPClientEnvelope(mailFrom: "a@example.org", recipients: [.init(address: "b@example.test")], eightBit: true), message: Self.original)
        #expect(result.data?.code == 250)

        // 8-bit header fields cannot be converted: refused locally, the connection stays usable.
        do {
            _ = try await connection.send(
                SMTPClientEnvelope(mailFrom: "a@example.org", recipients: [.init(address: "b@example.test")]),
                message: Array("Subject: Grüße\r\n\r\nbody ü\r\n".utf8))
            Issue.record("8-bit header sent to a 7-bit peer")
        } catch let error as SMTPClientError {
            guard case .conversionImpossible = error else { Issue.record("\(error)"); return }
            #expect(error.localReply?.enhancedCode == "5.6.3" && error.connectionUsable)
        }
        #expect(try await connection.send(
            SMTPClientEnvelope(mailFrom: "a@example.org", recipients: [.init(address: "b@example.test")]), message: T.message("7-bit")).data?.code == 250)
        await connection.quit()

        let event = try #require(try await peer.waitForEvents(1).first)
        #expect((event["mail_options"] as? [String])?.contains("BODY=8BITMIME") == false)
        let received = content(of: event)
        #expect(received.allSatisfy { $0 < 0x80 }, "the peer received 7-bit data only")
        #expect(received.split(separator: 10).allSatisfy { $0.count <= 78 }, "QP and base64 lines stay short (RFC 2045)")
        let text = String(decoding: received, as: UTF8.self)
        #expect(text.contains("Content-Transfer-Encoding: quoted-printable"))
        #expect(text.contains("Content-Transfer-Encoding: base64"))
        #expect(text.contains("plain ascii stays as it is\r\n"))

        // Python's email package decodes each leaf part of both and compares.
        let check = try await Python.run("""
            import base64, email, email.policy, sys
            def leaves(raw):
                message = email.message_from_bytes(raw, policy=email.policy.compat32)
                # Line breaks compared as breaks: the QP decoder may give LF where the original had CRLF.
                return [(p.get_content_type(), p.get_payload(decode=True).replace(b"\\r\\n", b"\\n"))
                        for p in message.walk() if not p.is_multipart()]
            original = leaves(base64.b64decode(sys.argv[1]))
            received = leaves(base64.b64decode(sys.argv[2]))
            print(len(original), len(received), original == received)
            for (t1, p1), (t2, p2) in zip(original, received):
                if p1 != p2: print("DIFF", t1, repr(p1[:80]), repr(p2[:80]))
            """, arguments: [Data(Self.original).base64EncodedString(), Data(received).base64EncodedString()])
        #expect(check.stdout == "4 4 True\n", "\(check.stdout) \(check.stderr)")
        await peer.stop()
    }
}
