import IMAPProtocol
import NIOCore
import ServerRuntime

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
            logger.info("client id", metadata: ["id": "\(LogSafe.escaped(client))"])
        }
        send(context, .data(.id([IMAPIDParameter(key: "name", value: "Hato")])))
        finish(tag, "ID completed", context)
    }
}
