import Foundation
import HatoTesting
import NIOCore
import Testing

/// RFC 3516 BINARY: APPEND with a literal8 (`~{n}`), then FETCH of its parts. A part with NUL
/// octets cannot be sent in BODY[n] as it is (RFC 9051 §4.3: NUL only in BINARY's literal8; a
/// client reading it as text sees an empty string): it is kept in base64 (RFC 3516 §4.4), so
/// BODY[n] gives it in that form and BINARY[n] gives the octets back.
@Suite struct IMAPBinaryAppendTests {
    /// Part 1 is text; part 2 is every octet value, NUL first.
    static let octets = (0..<512).map { UInt8($0 % 256) }
    static let message: [UInt8] = Array([
        "From: a@example.test", "Subject: binary", "MIME-Version: 1.0",
        "Content-Type: multipart/mixed; boundary=\"b\"", "", "--b",
        "Content-Type: text/plain; charset=us-ascii", "", "first part", "--b",
        "Content-Type: application/octet-stream", "Content-Transfer-Encoding: binary", "", "",
    ].joined(separator: "\r\n").utf8) + octets + Array("\r\n--b--\r\n".utf8)

    @Test(arguments: ["~{%d}", "~{%d+}"])
    func appendedLiteral8PartsCanBeFetched(form: String) async throws {
        let fixture = try await IMAPFixture.make()
        let (dialog, _) = try await ChannelDialog.imap(fixture)
        try await dialog.login()
        let header = form.replacingOccurrences(of: "%d", with: "\(Self.message.count)")
        try await dialog.send("a1 APPEND INBOX \(header)\r\n")
        if !header.hasSuffix("+}") { #expect(try await dialog.line() == "+ Ready for literal data") }
        try await dialog.channel.writeInbound(ByteBuffer(bytes: Self.message + [13, 10]))
        let appended = try await dialog.tagged("a1")
        #expect(appended.count == 1 && appended[0].hasSuffix("APPEND completed"), "\(appended)")
        _ = try await dialog.command("s", "SELECT INBOX")
        let part1 = try await dialog.command("f1", "FETCH 1 (BODY.PEEK[1])")
        #expect(part1 == ["* 1 FETCH (BODY[1] {10}", "first part)", "f1 OK FETCH completed"])
        let base64 = Self.base64Lines
        let part2 = try await dialog.command("f2", "FETCH 1 (BODY.PEEK[2] BINARY.SIZE[2])")
        #expect(part2.joined(separator: "\r\n") == "* 1 FETCH (BODY[2] {\(base64.utf8.count)}\r\n\(base64) BINARY.SIZE[2] 512)\r\nf2 OK FETCH completed")
        #expect(!dialog.transcript.contains("\0"), "no NUL outside a literal8")
        let structure = try await dialog.command("f3", "FETCH 1 (BODYSTRUCTURE)")
        #expect(structure.first?.contains("(\"application\" \"octet-stream\" NIL NIL NIL \"base64\" \(base64.utf8.count) NIL NIL NIL NIL)") == true,
                "\(structure)")
        // BINARY[2]: the octets as appended, in a literal8.
        try await dialog.send("f4 FETCH 1 (BINARY.PEEK[2])\r\n")
        let prefix = "* 1 FETCH (BINARY[2] ~{512}\r\n"
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, received.count < prefix.utf8.count + 512 + ")\r\nf4 OK FETCH completed\r\n".utf8.count {
            await dialog.channel.testingEventLoop.run()  // what the session queued on its loop (ChannelDialog.collect)
            guard let buffer = try await dialog.channel.readOutbound(as: ByteBuffer.self) else {
                try await Task.sleep(for: .milliseconds(5))
                continue
            }
            received += Array(buffer.readableBytesView)
        }
        #expect(Array(received.prefix(prefix.utf8.count)) == Array(prefix.utf8))
        #expect(Array(received.dropFirst(prefix.utf8.count).prefix(512)) == Self.octets)
        try await fixture.store.close()
    }

    /// `Base64.encode` with CRLF every 76 characters, as the stored part holds it.
    static var base64Lines: String {
        let all = Data(octets).base64EncodedString()
        return stride(from: 0, to: all.count, by: 76).map { start in
            String(all.dropFirst(start).prefix(76))
        }.joined(separator: "\r\n")
    }
}
