import NIOCore
import SMTPProtocol
import Testing

/// Dialogs as data (chasquid's t-12-minor_dialogs idea): what the client sends, in one piece,
/// and the replies a protocol-only server gives, as "code enhanced-code". Each dialog is fed in
/// every way `Feeds` knows (one byte at a time, random splits ...) and must give the same replies.
struct Dialog: CustomStringConvertible, Sendable {
    let name: String
    let client: String
    let replies: [String]
    var description: String { name }

    static let all: [Dialog] = [
        Dialog(
            name: "pipelined transaction",
            client: "EHLO c.example\r\nMAIL FROM:<a@c.example> SIZE=20\r\nRCPT TO:<b@s.example>\r\nRCPT TO:<Postmaster>\r\nDATA\r\n"
                + "Subject: x\r\n\r\n..dot\r\n.\r\nQUIT\r\n",
            replies: ["250", "250 2.1.0", "250 2.1.5", "250 2.1.5", "354", "250 2.0.0", "221 2.0.0"]
        ),
        Dialog(
            name: "smuggled MAIL inside DATA is content",
            client: "MAIL FROM:<a@c.example>\r\nRCPT TO:<b@s.example>\r\nDATA\r\nx\n.\nMAIL FROM:<evil@c.example>\nRCPT TO:<v@s.example>\nDATA\nevil\n.\r\n.\r\nRSET\r\n",
            replies: ["250 2.1.0", "250 2.1.5", "354", "554 5.6.0", "250 2.0.0"]
        ),
        Dialog(
            name: "over-long line, then back in step",
            client: "NOOP " + String(repeating: "x", count: 5000) + "\r\nNOOP\r\n",
            replies: ["500 5.5.2", "250 2.0.0"]
        ),
        Dialog(
            name: "bare LF commands are refused one by one",
            client: "EHLO c.example\nMAIL FROM:<a@c.example>\nQUIT\r\n",
            replies: ["500 5.5.2", "500 5.5.2", "221 2.0.0"]
        ),
        Dialog(
            name: "BDAT chunks pipelined with commands",
            client: "MAIL FROM:<> BODY=BINARYMIME\r\nRCPT TO:<b@s.example>\r\nBDAT 6\r\nab\r\n\u{0}\u{1}BDAT 4 LAST\r\n.\r\n\rNOOP\r\n",
            replies: ["250 2.1.0", "250 2.1.5", "250 2.0.0", "250 2.0.0", "250 2.0.0"]
        ),
        Dialog(
            name: "parameter and syntax errors",
            client: "MAIL FROM:<a@c.example> FOO=1\r\nMAIL FROM:<a@c.example> SIZE=x\r\nMAIL FROM:a@c.example\r\nRCPT TO:<user>\r\nXYZZY\r\nTURN\r\nRCPT TO:<山@s.example>\r\n",
            replies: ["555 5.5.4", "501 5.5.4", "501 5.1.7", "501 5.1.3", "500 5.5.2", "502 5.5.1", "553 5.6.7"]
        ),
        Dialog(
            name: "too large after the dot, then in step",
            client: "DATA\r\n" + String(repeating: "y", count: 70_000) + "\r\n.\r\nNOOP\r\n",
            replies: ["354", "552 5.3.4", "250 2.0.0"]
        ),
    ]
}

/// A protocol-only server: every valid command succeeds, every framing or grammar error gets
/// its reply. Enough to check that decoder and parser keep client and server in step.
struct ProtocolOnlyServer {
    var session = ScriptedSessionless()
    var replies: [String] = []

    struct ScriptedSessionless {
        var decoder = SMTPFrameDecoder(limits: SMTPLimits(maxMessageSize: 65_536))
        var buffer = ByteBuffer()
        let parser = SMTPCommandParser(extensions: .all)
    }

    mutating func feed(_ bytes: [UInt8]) {
        session.buffer.writeBytes(bytes)
        while let frame = session.decoder.decode(buffer: &session.buffer) {
            if let reply = handle(frame) {
                replies.append(reply.enhancedCode.map { "\(reply.code) \($0)" } ?? "\(reply.code)")
            }
        }
    }

    private mutating func handle(_ frame: SMTPFrame) -> SMTPReply? {
        switch frame {
        case .lineTooLong: return SMTPError.lineTooLong.reply
        case .bareLineFeed: return SMTPError.bareLineFeed.reply
        case .content, .chunk: return nil
        case .contentEnd(let end): return end.error?.reply ?? .messageAccepted(id: "1")
        case .chunkEnd: return .chunkReceived(octets: 0)
        case .line(let line):
            let command: SMTPCommand
            do {
                command = try session.parser.parse(line)
            } catch {
                session.decoder.continueCommands()
                return error.reply
            }
            switch command {
            case .ehlo: return .ehlo(domain: "s.example", capabilities: [.pipelining])
            case .mail: return .senderOK
            case .rcpt: return .recipientOK
            case .data:
                session.decoder.beginData()
                return .startMailInput
            case .bdat(let size, let last):
                session.decoder.beginChunk(size: size, last: last)
                return nil
            case .quit: return .closing(domain: "s.example")
            default:
                session.decoder.continueCommands()
                return .ok
            }
        }
    }
}

@Suite struct DialogTests {
    @Test(arguments: Dialog.all)
    func dialog(_ dialog: Dialog) {
        let input = Array(dialog.client.utf8)
        let feeds = input.count > 2_000 ? Array(Feeds.all(input, randomRounds: 5).prefix(7)) : Feeds.all(input)
        for (name, chunks) in feeds {
            var server = ProtocolOnlyServer()
            for chunk in chunks { server.feed(chunk) }
            #expect(server.replies == dialog.replies, "\(name)")
        }
    }

    @Test func thereAreDialogs() {
        #expect(Dialog.all.count >= 7)
    }
}
