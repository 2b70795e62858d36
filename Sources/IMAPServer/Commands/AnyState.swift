import IMAPProtocol
import NIOCore

/// RFC 9051 §6.1: CAPABILITY, NOOP, LOGOUT, and ID (RFC 2971).
extension IMAPSessionHandler {
    func capability(_ tag: String, _ context: ChannelHandlerContext) {
        send(context, .data(.capability(capabilities)))
        finish(tag, "CAPABILITY completed", context)
    }

    /// RFC 9051 §6.1.2: NOOP is the polite way to ask for updates (CHECK maps here too).
    func noop(_ tag: String, _ context: ChannelHandlerContext) {
        finish(tag, "NOOP completed", context)
    }

    func logout(_ tag: String, _ context: ChannelHandlerContext) {
        send(context, [
            .status(tag: nil, .bye, text: "\(server.configuration.hostname) logging out"),
            .status(tag: tag, .ok, text: "LOGOUT completed"),
        ])
        close(context)
    }

    /// RFC 2971 §3.1: the server's identity; the client's is only logged.
    func id(_ tag: String, _ parameters: [IMAPIDParameter]?, _ context: ChannelHandlerContext) {
        if let parameters {
            let client = parameters.prefix(8).map { "\($0.key)=\($0.value ?? "NIL")" }.joined(separator: " ")
            logger.info("client id", metadata: ["id": "\(Self.loggable(client))"])
        }
        send(context, .data(.id([IMAPIDParameter(key: "name", value: "Hato")])))
        finish(tag, "ID completed", context)
    }

    /// A client-supplied value as it may appear in a log line: control characters (CR, LF,
    /// ESC ...), DEL and backslash as `\xNN`, at most `maxLoggedLength` characters, so no client
    /// can forge log lines or terminal escapes.
    static func loggable(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            if out.unicodeScalars.count >= maxLoggedLength { return out + "..." }
            if scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\\" || (0x80..<0xA0).contains(scalar.value) {
                out += "\\x" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 2)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static let maxLoggedLength = 200
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
