import IMAPProtocol
import Logging
import NIOCore
import ServerRuntime

/// What IMAP adds to the shared `SessionDriver`: it hands the `IMAPSession` the commands decoded
/// from the buffered input one at a time (pipelined commands wait their turn, RFC 9051 §5.5),
/// encodes its responses, and does IMAP's own actions (FETCH streamed by writability, the change
/// feed, QUICKACK, the session slot). Steps, timers, STARTTLS and closing are the driver's.
///
/// Backpressure: besides a running step and a full budget, input is held while the session is
/// busy (a FETCH waiting for the client) or the channel is not writable (the client is not
/// reading what we send), so the kernel's socket buffer and TCP flow control stop the client
/// instead of our memory; FETCH sends its next messages only when the output has drained
/// (`.continueWhenWritable`).
final class IMAPSessionAdapter: SessionAdapter {
    typealias Machine = IMAPSession
    typealias TimerID = IMAPTimer

    let server: IMAPServer
    let connection: ConnectionContext
    let steps: IMAPStepRunner
    let logger: Logger
    let startTLSCommand = "STARTTLS"
    /// The session is handling an event right now. A write may fire `channelWritabilityChanged`
    /// re-entrantly; it must not start the next command in the middle of this one's responses.
    var dispatching = false

    init(server: IMAPServer, connection: ConnectionContext, logger: Logger) {
        self.server = server
        self.connection = connection
        self.logger = logger
        self.steps = IMAPStepRunner(store: server.store, sessions: server.sessions, authenticator: server.authenticator,
                                    connection: connection, configuration: server.configuration, logger: logger,
                                    facts: server.facts)
    }

    /// The channel handler for one IMAP connection. Its input budget is the command size limit
    /// (`limits.max_session_input`).
    static func makeDriver(server: IMAPServer, connection: ConnectionContext) -> SessionDriver<IMAPSessionAdapter> {
        let configuration = server.configuration
        var logger = server.logger
        logger[metadataKey: "remote"] = "\(connection.remoteIP)"
        logger[metadataKey: "listener"] = "\(connection.listener)"
        let settings = IMAPSession.Settings(
            hostname: configuration.hostname, limits: configuration.limits, maxOtherLiteralSize: configuration.maxOtherLiteralSize,
            sasl: configuration.sasl, loopback: connection.isLoopback, tlsAvailable: connection.tls != nil,
            channelBindingAvailable: { connection.channelBinding != nil }, idleTimeout: configuration.idleTimeout,
            loginTimeout: configuration.loginTimeout, commandTimeout: configuration.commandTimeout,
            minimumLiteralRate: configuration.minimumLiteralRate, messageLimits: configuration.messageLimits,
            maxCatenateURLs: configuration.maxCatenateURLs, metadataMaxSize: configuration.metadataMaxSize,
            maxUpdateContexts: configuration.maxUpdateContexts, notifyMaxMailboxes: configuration.notifyMaxMailboxes,
            notifyMaxQueued: configuration.notifyMaxQueued, urlAuthMaxURLs: configuration.urlAuthMaxURLs,
            urlAuthMaxURLLength: configuration.urlAuthMaxURLLength)
        return SessionDriver(
            machine: IMAPSession(settings: settings, tlsActive: connection.implicitTLS, logger: logger),
            adapter: IMAPSessionAdapter(server: server, connection: connection, logger: logger),
            inputBudget: configuration.limits.maxCommandSize)
    }

    /// Hands over the commands received, one at a time; stops while a command runs or while the
    /// client is not reading our output (pipelined commands then wait in `inbound`, whose
    /// growth is stopped by holding back `read()`).
    func handOverInput(_ driver: Driver, _ context: ChannelHandlerContext) {
        while driver.machine.readsCommands && context.channel.isWritable {
            guard let input = driver.machine.nextInput(from: &driver.inbound.buffer) else { break }
            dispatching = true
            driver.feed(.input(input), context)
            dispatching = false
        }
        if driver.machine.isClosed { return }
        driver.feed(.inputDrained(bufferEmpty: driver.inbound.buffer.readableBytes == 0), context)
    }

    /// Bytes arriving feed the command timer's rate check (a literal sent too slowly).
    func willReceive(octets: Int, _ driver: Driver, _ context: ChannelHandlerContext) {
        driver.feed(.received(octets: octets, at: context.eventLoop.now), context)
    }

    /// A FETCH waiting for the client, or output the client has not read, holds input back.
    func holdsInput(_ driver: Driver, _ context: ChannelHandlerContext) -> Bool {
        driver.machine.busy || !context.channel.isWritable
    }

    func writabilityChanged(_ driver: Driver, _ context: ChannelHandlerContext) {
        // Re-entrant (a write of the running command drained the buffer): that command's own
        // code goes on, and `drain` runs after it anyway.
        guard context.channel.isWritable, !dispatching, !driver.machine.isClosed else { return }
        dispatching = true
        driver.feed(.outputWritable, context)
        dispatching = false
        if driver.machine.isClosed { return }
        driver.drain(context)
    }

    func willApplyStep(_ driver: Driver) { dispatching = true }

    func didApplyStep(_ driver: Driver, _ context: ChannelHandlerContext) {
        dispatching = false
        if !driver.machine.isClosed { driver.drain(context) }
    }
}

extension IMAPSession: SessionMachine {
    static var greeting: Event { .greeting }
    static var shutdown: Event { .shutdown }
    static var connectionClosed: Event { .connectionClosed }
    static func stepFinished(_ result: IMAPStepResult) -> Event { .stepFinished(result) }
}

extension IMAPStepRunner: SessionStepRunner {}
