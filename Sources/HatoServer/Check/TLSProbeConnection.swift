// One TLS handshake with a listener, for `hato check tls`: connect, speak the protocol's
// STARTTLS opening where there is one (SMTP RFC 3207, IMAP RFC 9051 §6.2.1, POP3 RFC 2595 §4),
// hand the connection to TLS, and report when the handshake completed or why it did not.

import DNSMessage
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// How a listener starts TLS.
public enum TLSProbeStart: String, Sendable {
    case implicit
    case smtp
    case imap
    case pop3
}

enum TLSProbeConnection {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Not even a TCP connection: no point in trying other TLS versions.
    struct ConnectFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// Connects, starts TLS with `configuration` and returns the negotiated version once the
    /// handshake is done. `chain` receives the certificates the server presented when the
    /// configuration verifies (through a custom callback that accepts them).
    static func handshake(host: String, port: Int, start: TLSProbeStart, serverName: String, configuration: TLSConfiguration,
                          captureChain: Bool, timeout: TimeAmount) async throws -> (version: TLSVersion?, chain: [NIOSSLCertificate]) {
        let context = try NIOSSLContext(configuration: configuration)
        let captured = CapturedChain()
        // SNI carries host names only (RFC 6066 §3).
        let sni = IPAddress(serverName) == nil ? serverName : nil
        let makeTLS: @Sendable () throws -> NIOSSLClientHandler = {
            if captureChain {
                return try NIOSSLClientHandler(context: context, serverHostname: sni) { certificates, promise in
                    captured.set(certificates)
                    promise.succeed(.certificateVerified)
                }
            }
            return try NIOSSLClientHandler(context: context, serverHostname: sni)
        }
        let group = MultiThreadedEventLoopGroup.singleton
        let loop = group.next()
        let done = loop.makePromise(of: Void.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let watcher = HandshakeWatcher(done: done)
                        if start == .implicit {
                            try channel.pipeline.syncOperations.addHandler(try makeTLS())
                            try channel.pipeline.syncOperations.addHandler(watcher)
                        } else {
                            try channel.pipeline.syncOperations.addHandler(StartTLSDialog(start: start, makeTLS: makeTLS, watcher: watcher, done: done))
                        }
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            // Never connected: the promise is settled here, or NIO reports it as leaked.
            done.fail(error)
            throw ConnectFailure(description: "cannot connect to \(host) port \(port): \(error)")
        }
        let deadline = loop.scheduleTask(in: timeout) { done.fail(Failure(description: "no TLS handshake within \(timeout.nanoseconds / 1_000_000_000) s")) }
        defer {
            deadline.cancel()
            channel.close(promise: nil)
        }
        try await done.futureResult.get()
        let version = try await channel.pipeline.handler(type: NIOSSLClientHandler.self).map(\.tlsVersion).get()
        return (version, captured.get())
    }
}

/// The certificates a custom verification callback saw, read after the handshake.
final class CapturedChain: @unchecked Sendable {
    private let lock = NSLock()
    private var certificates: [NIOSSLCertificate] = []
    func set(_ value: [NIOSSLCertificate]) { lock.withLock { certificates = value } }
    func get() -> [NIOSSLCertificate] { lock.withLock { certificates } }
}

/// Fulfils `done` when the TLS handshake completes, fails it on a TLS error or a closed connection.
final class HandshakeWatcher: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let done: EventLoopPromise<Void>

    init(done: EventLoopPromise<Void>) { self.done = done }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event { done.succeed() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(TLSProbeConnection.Failure(description: "\(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(TLSProbeConnection.Failure(description: "the server closed the connection during the handshake"))
        context.fireChannelInactive()
    }
}

/// The plaintext opening up to the server's go-ahead for TLS; then TLS goes first in the pipeline.
final class StartTLSDialog: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let start: TLSProbeStart
    let makeTLS: @Sendable () throws -> NIOSSLClientHandler
    let watcher: HandshakeWatcher
    let done: EventLoopPromise<Void>
    private var pending = ""
    private var step = 0

    init(start: TLSProbeStart, makeTLS: @escaping @Sendable () throws -> NIOSSLClientHandler, watcher: HandshakeWatcher,
         done: EventLoopPromise<Void>) {
        self.start = start
        self.makeTLS = makeTLS
        self.watcher = watcher
        self.done = done
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending += buffer.readString(length: buffer.readableBytes) ?? ""
        guard pending.utf8.count < 65536 else {
            _ = fail(context, "the server's opening is too long")
            return
        }
        while let end = pending.range(of: "\r\n") ?? pending.range(of: "\n") {
            let line = String(pending[..<end.lowerBound])
            pending = String(pending[end.upperBound...])
            if handle(line, context: context) { return }
        }
    }

    /// One line of the server's; true once the dialog is over (TLS started or failed).
    private func handle(_ line: String, context: ChannelHandlerContext) -> Bool {
        switch (start, step) {
        case (.smtp, 0), (.smtp, 1):
            // Multi-line replies end with "code SP" (RFC 5321 §4.2.1).
            guard line.count >= 4, line[line.index(line.startIndex, offsetBy: 3)] == " " else { return false }
            let expected = step == 0 ? "220" : "250"
            guard line.hasPrefix(expected) else { return fail(context, "the server answered \(line)") }
            send(context, step == 0 ? "EHLO check.invalid" : "STARTTLS")
        case (.smtp, _):
            guard line.count >= 4, line[line.index(line.startIndex, offsetBy: 3)] == " " else { return false }
            return line.hasPrefix("220") ? begin(context) : fail(context, "STARTTLS refused: \(line)")
        case (.imap, 0):
            guard line.hasPrefix("* OK") else { return fail(context, "the server greeted with \(line)") }
            send(context, "p STARTTLS")
        case (.imap, _):
            guard line.hasPrefix("p ") else { return false }
            return line.uppercased().hasPrefix("P OK") ? begin(context) : fail(context, "STARTTLS refused: \(line)")
        case (.pop3, 0):
            guard line.hasPrefix("+OK") else { return fail(context, "the server greeted with \(line)") }
            send(context, "STLS")
        case (.pop3, _):
            return line.hasPrefix("+OK") ? begin(context) : fail(context, "STLS refused: \(line)")
        case (.implicit, _):
            return true
        }
        step += 1
        return false
    }

    private func send(_ context: ChannelHandlerContext, _ line: String) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: line + "\r\n")), promise: nil)
    }

    private func begin(_ context: ChannelHandlerContext) -> Bool {
        do {
            let tls = try makeTLS()
            try context.pipeline.syncOperations.addHandler(tls, position: .first)
            try context.pipeline.syncOperations.addHandler(watcher, position: .after(tls))
            context.pipeline.syncOperations.removeHandler(self, promise: nil)
        } catch {
            return fail(context, "cannot start TLS: \(error)")
        }
        return true
    }

    private func fail(_ context: ChannelHandlerContext, _ why: String) -> Bool {
        done.fail(TLSProbeConnection.Failure(description: why))
        context.close(promise: nil)
        return true
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(TLSProbeConnection.Failure(description: "the server closed the connection before TLS"))
        context.fireChannelInactive()
    }
}
