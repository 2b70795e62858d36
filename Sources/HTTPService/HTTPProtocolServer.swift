import CoreMetrics
import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import ServerRuntime

/// HTTP/1.1 (RFC 9112) plugged into `ServerRuntime`'s listener, so the HTTP listeners get what
/// the mail listeners have: the per-IP, per-listener and server-wide connection caps, output
/// backpressure, TLS from the shared `TLSProvider` (SNI, SIGHUP reload, handshake deadline, TLS
/// version metrics) on `https`, and graceful shutdown. Each connection runs HummingbirdCore's
/// `HTTP1Channel` (parsing, keep-alive, pipelining, idle timeout); `HTTPRouter` answers.
public struct HTTPProtocolServer: ProtocolServer {
    public let configuration: HTTPServiceConfiguration
    public let role: HTTPRole
    let router: HTTPRouter
    let logger: Logger

    public init(configuration: HTTPServiceConfiguration, role: HTTPRole, logger: Logger = Logger(label: "hato.http")) {
        self.configuration = configuration
        self.role = role
        self.router = HTTPRouter(configuration: configuration, role: role, logger: logger)
        self.logger = logger
    }

    public func initializeConnection(_ channel: any Channel, context: ConnectionContext) throws {
        let limits = configuration.limits
        var decoder = HTTP1Channel.Configuration.DecoderConfiguration()
        decoder.maxHeaderFieldSize = limits.maxHeaderSize
        decoder.maxHeaderListSize = limits.maxHeaderSize
        decoder.maxHeaderFieldCount = limits.maxHeaderFields
        let http = HTTP1Channel(
            responder: { [router, configuration, logger] request, writer, channel in
                try await Self.respond(request, writer: writer, channel: channel, router: router, configuration: configuration,
                                       connection: context, logger: logger)
            },
            configuration: .init(idleTimeout: TimeAmount(limits.idleTimeout), httpDecoderConfiguration: decoder))
        // Before HTTP1Channel's handlers, so its connection state handler sees the quiesce event.
        try channel.pipeline.syncOperations.addHandler(ShutdownQuiesceHandler())
        let logger = self.logger
        http.setup(channel: channel, logger: logger).whenComplete { result in
            switch result {
            case .success(let asyncChannel):
                Task { await http.handle(value: asyncChannel, logger: logger) }
            case .failure(let error):
                logger.warning("HTTP connection setup failed", metadata: ["error": "\(error)"])
                channel.close(promise: nil)
            }
        }
    }

    /// One request: route it, write the response, record its latency, log it.
    static func respond(_ request: Request, writer: consuming ResponseWriter, channel: any Channel, router: HTTPRouter,
                        configuration: HTTPServiceConfiguration, connection: ConnectionContext, logger: Logger) async throws {
        let started = ContinuousClock.now
        var answer = await router.answer(request, connection: connection)
        if answer.close { answer.response.headers[.connection] = "close" }
        let status = answer.response.status.code
        try await writer.write(response: answer.response.head, body: answer.response.body)
        if answer.close { channel.close(mode: .all, promise: nil) }
        let elapsed = ContinuousClock.now - started
        Timer(label: HTTPMetricNames.requestDuration,
              dimensions: [("listener", connection.listener), ("route", answer.route), ("code", String(status))],
              factory: configuration.metrics)
            .recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        // Health checks and scrapes come every few seconds: kept out of the info log.
        logger.log(level: answer.route == "healthz" || answer.route == "metrics" ? .debug : .info, "http request", metadata: [
            "listener": "\(connection.listener)", "remote": "\(connection.remoteIP)", "method": "\(request.method.rawValue)",
            "path": "\(LogSafe.escaped(request.uri.path))", "status": "\(status)", "route": "\(answer.route)",
        ])
    }

    /// Written raw before the connection closes (ServerRuntime refuses before any HTTP parsing).
    public func tooManyConnectionsMessage() -> String {
        Self.refusal("429 Too Many Requests", "too many connections from your address\n")
    }

    public func serverBusyMessage() -> String {
        Self.refusal("503 Service Unavailable", "server busy, try again later\n", extra: "Retry-After: 5\r\n")
    }

    static func refusal(_ status: String, _ body: String, extra: String = "") -> String {
        "HTTP/1.1 \(status)\r\nContent-Type: text/plain; charset=utf-8\r\n\(extra)Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
    }
}

/// The metric names this target records (docs/metrics.md).
public enum HTTPMetricNames {
    /// Timer, labels `listener`, `route`, `code`.
    public static let requestDuration = "hato_http_request_duration_seconds"
}

/// Turns the listener's `ServerShutdownEvent` into NIO's `ChannelShouldQuiesceEvent`, which
/// HummingbirdCore's connection handler answers by closing once the response in progress is
/// written (or at once when idle).
final class ShutdownQuiesceHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ServerShutdownEvent {
            context.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
