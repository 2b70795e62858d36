// The test DNS server's channel handlers: decode a query, ask the server what to send, send it
// (later, if the behaviour asks for a delay; several replies go 20 ms apart so their order holds).

import DNSMessage
import NIOCore

final class TestDNSUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>
    let box: TestDNSServerBox

    init(box: TestDNSServerBox) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let server = box.server, let query = try? DNSMessage(decoding: envelope.data) else { return }
        let (behavior, replies) = server.handle(query, transport: .udp)
        let channel = context.channel
        for (index, reply) in replies.enumerated() {
            guard let wire = try? reply.message.encoded() else { continue }
            let out = AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: wire))
            let delay = TimeAmount.milliseconds(behavior.delayMilliseconds + Int64(index) * 20)
            let fromDecoy = reply.fromDecoySocket
            context.eventLoop.scheduleTask(in: delay) {
                if fromDecoy {
                    server.sendDecoy(out)
                } else {
                    channel.writeAndFlush(out, promise: nil)
                }
            }
        }
    }
}

final class TestDNSTCPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let box: TestDNSServerBox

    init(box: TestDNSServerBox) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let server = box.server else { return }
        guard let query = try? DNSMessage(decoding: unwrapInboundIn(data)) else {
            context.close(promise: nil)
            return
        }
        let (behavior, replies) = server.handle(query, transport: .tcp)
        let channel = context.channel
        for (index, reply) in replies.enumerated() where !reply.fromDecoySocket {
            var out = ByteBuffer()
            guard let wire = try? reply.message.encoded(), (try? DNSTCPFraming.frame(wire, into: &out)) != nil else {
                continue
            }
            let delay = TimeAmount.milliseconds(behavior.delayMilliseconds + Int64(index) * 20)
            let framed = out
            context.eventLoop.scheduleTask(in: delay) { channel.writeAndFlush(framed, promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
