import Foundation
import NIOCore
import ServerRuntime

/// A tiny line protocol used only to exercise the listener: greets, echoes `echo X`, answers
/// `slow` after 300 ms, upgrades on `starttls` (dropping whatever was pipelined behind it), and on
/// server shutdown finishes the command in progress, says "bye" and closes.
struct LineProtocol: ProtocolServer {
    func initializeConnection(_ channel: any Channel, context: ConnectionContext) throws {
        try channel.pipeline.syncOperations.addHandler(LineSession(context: context))
    }

    func tooManyConnectionsMessage() -> String { "too many\r\n" }

    func serverBusyMessage() -> String { "busy\r\n" }
}

final class LineSession: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let context: ConnectionContext
    var buffer = ByteBuffer()
    var busy = false
    var shutdownRequested = false

    init(context: ConnectionContext) { self.context = context }

    func channelActive(context: ChannelHandlerContext) {
        write("hello", context)
        context.fireChannelActive()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // With implicit TLS the channel is already active when the session is added.
        if context.channel.isActive { write("hello", context) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        processLines(context)
    }

    func processLines(_ context: ChannelHandlerContext) {
        while !busy, let view = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = view - buffer.readerIndex + 1
            let line = String(decoding: buffer.readBytes(length: length)!.dropLast(2), as: UTF8.self)
            if line == "slow" {
                busy = true
                context.eventLoop.scheduleTask(in: .milliseconds(300)) { [self] in
                    busy = false
                    write("done", context)
                    if shutdownRequested { sayGoodbye(context) } else { processLines(context) }
                }
            } else if line == "binding" {
                // The connection's RFC 9266 tls-exporter value, as SCRAM -PLUS would use it.
                write(self.context.channelBinding.map { $0.map { String(format: "%02X", $0) }.joined() } ?? "none", context)
            } else if line == "tls" {
                // The negotiated version and cipher, as a Received header would show them.
                write(self.context.tlsSession?.description ?? "none", context)
            } else if line.hasPrefix("echo ") {
                write(String(line.dropFirst(5)), context)
            } else if line == "starttls", self.context.tls != nil {
                write("go", context)
                buffer.clear()  // RFC 3207 §4.2: nothing read before the handshake may be used after it
                self.context.startTLS(on: context.channel)?.whenFailure { _ in context.close(promise: nil) }
            } else {
                write("?", context)
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ServerShutdownEvent else { return context.fireUserInboundEventTriggered(event) }
        shutdownRequested = true
        if !busy { sayGoodbye(context) }
    }

    func sayGoodbye(_ context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: "bye\r\n"))).whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func write(_ line: String, _ context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: line + "\r\n")), promise: nil)
    }
}
