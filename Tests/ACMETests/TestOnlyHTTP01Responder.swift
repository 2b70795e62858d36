import ACME
import NIOCore
import NIOHTTP1
import NIOPosix

/// TEST ONLY: a minimal HTTP/1.1 server answering `GET /.well-known/acme-challenge/{token}`
/// from an `ACMEChallengeStore`, so http-01 can be validated by pebble before Hato's own HTTP
/// listener (docs/http.md) is composed with ACME. Everything else is 404.
final class TestOnlyHTTP01Responder: Sendable {
    let port: Int
    private let channel: any Channel

    static func start(_ challenges: ACMEChallengeStore) async throws -> TestOnlyHTTP01Responder {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(challenges: challenges))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TestOnlyHTTP01Responder(port: channel.localAddress!.port!, channel: channel)
    }

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
    }

    func stop() async throws { try await channel.close() }

    final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let challenges: ACMEChallengeStore
        var path = ""

        init(challenges: ACMEChallengeStore) { self.challenges = challenges }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): path = head.uri
            case .body: break
            case .end:
                let prefix = "/.well-known/acme-challenge/"
                let answer = path.hasPrefix(prefix) ? challenges.keyAuthorization(forToken: String(path.dropFirst(prefix.count))) : nil
                let body = answer ?? "not found\n"
                let headers = HTTPHeaders([("Content-Type", "application/octet-stream"), ("Content-Length", "\(body.utf8.count)")])
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: answer == nil ? .notFound : .ok, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
