import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// The connection's channel and its handler, with async calls the session uses. Every call runs
/// its channel work on the event loop and reports failures as `SMTPClientError`.
final class SMTPClientTransport: Sendable {
    let channel: any Channel
    private let handler: NIOLoopBound<SMTPClientChannelHandler>

    private init(channel: any Channel, handler: NIOLoopBound<SMTPClientChannelHandler>) {
        self.channel = channel
        self.handler = handler
    }

    /// Connects, with the TLS handler first in the pipeline when `implicitTLS` is given.
    static func connect(
        to address: SocketAddress, configuration: SMTPClientConfiguration, implicitTLS: (NIOSSLContext, String?)?,
        eventLoopGroup: any EventLoopGroup
    ) async throws(SMTPClientError) -> SMTPClientTransport {
        let lineLength = configuration.maxReplyLineLength, lines = configuration.maxReplyLines
        // The handler is handed out by the initializer itself: looked up later, it could already
        // be gone from the pipeline of a peer that failed the connection at once.
        let eventLoop = eventLoopGroup.next()
        let handlerPromise = eventLoop.makePromise(of: NIOLoopBound<SMTPClientChannelHandler>.self)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(configuration.connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: implicitTLS.0, serverHostname: implicitTLS.1))
                    }
                    let handler = SMTPClientChannelHandler(eventLoop: channel.eventLoop, maxReplyLineLength: lineLength, maxReplyLines: lines)
                    if implicitTLS != nil { handler.stage = .tlsHandshake }
                    try channel.pipeline.syncOperations.addHandler(handler)
                    handlerPromise.succeed(NIOLoopBound(handler, eventLoop: channel.eventLoop))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(to: address).get()
        } catch {
            handlerPromise.fail(error)
            throw .connectFailed(String(describing: error))
        }
        do {
            return SMTPClientTransport(channel: channel, handler: try await handlerPromise.futureResult.get())
        } catch {
            channel.close(promise: nil)
            throw .connectFailed(String(describing: error))
        }
    }

    /// Writes command lines (CRLF added) in one flush: one command, or a pipelined group (RFC 2920 §3.1).
    func send(_ lines: [String], stage: SMTPClientStage) async throws(SMTPClientError) {
        var buffer = channel.allocator.buffer(capacity: lines.reduce(0) { $0 + $1.utf8.count + 2 })
        for line in lines {
            buffer.writeString(line)
            buffer.writeStaticString("\r\n")
        }
        try await write(buffer, stage: stage, timeout: nil)
    }

    /// Writes bytes; with a timeout, a peer that stops reading ends the connection with `.timeout(stage)`.
    func write(_ buffer: ByteBuffer, stage: SMTPClientStage, timeout: TimeAmount?) async throws(SMTPClientError) {
        let handler = handler, channel = channel
        let future = channel.eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
            if let failure = handler.value.failure { return channel.eventLoop.makeFailedFuture(failure) }
            handler.value.stage = stage
            let timer = timeout.map { timeout in channel.eventLoop.scheduleTask(in: timeout) { handler.value.fail(.timeout(stage)) } }
            return channel.writeAndFlush(buffer).always { _ in timer?.cancel() }
        }
        try await settle(future, stage: stage)
    }

    /// The next reply, waiting at most `timeout`.
    func readReply(stage: SMTPClientStage, timeout: TimeAmount) async throws(SMTPClientError) -> SMTPClientReply {
        let handler = handler
        let future = channel.eventLoop.flatSubmit {
            handler.value.stage = stage
            return handler.value.nextReply(timeout: timeout)
        }
        return try await settle(future, stage: stage)
    }

    /// After "220 Ready to start TLS" (RFC 3207 §4): checks nothing else arrived in plaintext,
    /// puts the TLS handler in front and waits for the handshake.
    /// `verification` replaces NIOSSL's certificate checks (DANE).
    func startTLS(context: NIOSSLContext, serverHostname: String?, timeout: TimeAmount,
                  verification: (@Sendable ([NIOSSLCertificate], EventLoopPromise<NIOSSLVerificationResult>) -> Void)? = nil) async throws(SMTPClientError) {
        let handler = handler, channel = channel
        let future = channel.eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
            if let error = handler.value.prepareForTLS() { return channel.eventLoop.makeFailedFuture(error) }
            do {
                let tls = try verification.map {
                    try NIOSSLClientHandler(context: context, serverHostname: serverHostname, customVerificationCallback: $0)
                } ?? NIOSSLClientHandler(context: context, serverHostname: serverHostname)
                try channel.pipeline.syncOperations.addHandler(tls, position: .first)
            } catch {
                let failure = SMTPClientError.tlsHandshakeFailed(String(describing: error))
                handler.value.fail(failure)
                return channel.eventLoop.makeFailedFuture(failure)
            }
            return handler.value.handshakeDone(timeout: timeout)
        }
        try await settle(future, stage: .tlsHandshake)
    }

    /// Waits for the implicit-TLS handshake started at connect.
    func implicitHandshake(timeout: TimeAmount) async throws(SMTPClientError) {
        let handler = handler
        try await settle(channel.eventLoop.flatSubmit { handler.value.handshakeDone(timeout: timeout) }, stage: .tlsHandshake)
    }

    /// Ends the connection with this failure (e.g. a 421 read by the session).
    func fail(_ error: SMTPClientError) async {
        let handler = handler
        try? await channel.eventLoop.submit { handler.value.fail(error) }.get()
    }

    func close() async {
        try? await channel.close()
    }

    private func settle<T: Sendable>(_ future: EventLoopFuture<T>, stage: SMTPClientStage) async throws(SMTPClientError) -> T {
        do {
            return try await future.get()
        } catch let error as SMTPClientError {
            throw error
        } catch {
            // A write failed because the channel closed or errored: the handler knows why.
            let handler = handler
            let recorded = try? await channel.eventLoop.submit { () -> SMTPClientError? in
                handler.value.fail(.connectionClosed(stage))  // no-op when a failure is already recorded
                return handler.value.failure
            }.get()
            throw recorded ?? .connectionClosed(stage)
        }
    }
}
