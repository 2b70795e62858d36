import Logging
import NIOCore

/// Runs one protocol session (a `SessionMachine`) on a channel, for SMTP, IMAP and POP3 alike:
/// the greeting, buffering and handing over input, holding reads back, async steps
/// (`SteppingSession.perform`), timers on the event loop, STARTTLS, closing after the last
/// reply, server shutdown, the client leaving and connection errors. All protocol decisions are
/// the machine's; what is a protocol's own (encoding, decoding, its own actions) is its adapter's.
///
/// Input is read only while no step runs and what the session holds (undecoded input plus what
/// the machine assembled) is under its budget (`SessionInput`), and while the adapter does not
/// hold it (IMAP: output the client has not read): a client pipelining behind a slow command
/// is held back by TCP, not buffered.
public final class SessionDriver<Adapter: SessionAdapter>: ChannelDuplexHandler, SteppingSession {
    public typealias InboundIn = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer
    public typealias Machine = Adapter.Machine

    public let adapter: Adapter
    public var machine: Machine
    /// Received and not yet decoded, with the session's budget.
    public var inbound: SessionInput
    /// A step is in flight (`SteppingSession`).
    public var busy = false
    private var timers: [Adapter.TimerID: Scheduled<Void>] = [:]
    /// The channel's loop as a task executor, made at the first step that may run there.
    private var loopExecutor: EventLoopTaskExecutor?

    public init(machine: Machine, adapter: Adapter, inputBudget: Int) {
        self.machine = machine
        self.adapter = adapter
        self.inbound = SessionInput(budget: inputBudget)
    }

    // MARK: channel events

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { feed(Machine.greeting, context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        feed(Machine.greeting, context)
        context.fireChannelActive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !inPlace({ $0.isClosed }) else { return }  // after the last reply: dropped (`closeAfterLastReply`)
        var bytes = unwrapInboundIn(data)
        adapter.willReceive(octets: bytes.readableBytes, self, context)
        inbound.append(&bytes)
        drain(context)
    }

    public func read(context: ChannelHandlerContext) {
        inbound.read(context, paused: readingPaused(context))
    }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        context.fireChannelWritabilityChanged()
        adapter.writabilityChanged(self, context)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        feed(Machine.connectionClosed, context)
        adapter.connectionEnded()
        context.fireChannelInactive()
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ServerShutdownEvent {
            feed(Machine.shutdown, context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        adapter.logger.info("connection error", metadata: ["error": "\(LogSafe.escaped("\(error)"))"])
        adapter.connectionFailed(self, context)
        context.close(promise: nil)
    }

    // MARK: driving the machine

    /// No more input while a step runs, the session holds its budget's worth, or the adapter
    /// says so.
    public func readingPaused(_ context: ChannelHandlerContext) -> Bool {
        busy || inbound.isFull(assembled: inPlace { adapter.assembledOctets($0) }) || adapter.holdsInput(self, context)
    }

    /// Hands the machine what it may decode, gives consumed input back, and reads on unless
    /// something pauses the session.
    public func drain(_ context: ChannelHandlerContext) {
        adapter.handOverInput(self, context)
        inbound.reclaim()
        if !inPlace({ $0.isClosed }) { inbound.resume(context, paused: readingPaused(context)) }
    }

    public func feed(_ event: Machine.Event, _ context: ChannelHandlerContext) {
        execute(machine.handle(event), context)
    }

    public func execute(_ actions: [Machine.Action], _ context: ChannelHandlerContext) {
        for action in actions {
            guard let shared = adapter.driverAction(for: action, self, context) else { continue }
            execute(shared, context)
        }
    }

    private func execute(_ action: Adapter.DriverAction, _ context: ChannelHandlerContext) {
        switch action {
        case .send(let buffer):
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        case .run(let step):
            let steps = adapter.steps
            perform(context, on: steps.runsOnEventLoop(step) ? eventLoopExecutor(context) : nil) {
                let result = await steps.run(step)
                return { driver, context in driver.applyStepResult(result, context) }
            }
        case .startTLS(let discardingInput):
            if discardingInput { inbound.discardAll() }
            let channel = context.channel, command = adapter.startTLSCommand
            adapter.connection.startTLS(on: channel)?.whenFailure { [logger = adapter.logger] error in
                logger.info("\(command) failed", metadata: ["error": "\(LogSafe.escaped("\(error)"))"])
                channel.close(promise: nil)
            }
        case .close:
            context.channel.closeAfterLastReply()
        case .armTimer(let timer, let deadline):
            timers[timer]?.cancel()
            timers[timer] = schedule(timer, deadline, context)
        case .cancelTimer(let timer):
            timers.removeValue(forKey: timer)?.cancel()
        case .cancelTimers:
            for scheduled in timers.values { scheduled.cancel() }
            timers.removeAll()
        }
    }

    /// The channel's event loop as a task executor (`EventLoopTaskExecutor`), for short steps
    /// and the adapter's own tasks that mostly hand work back to the loop.
    public func eventLoopExecutor(_ context: ChannelHandlerContext) -> EventLoopTaskExecutor {
        if let loopExecutor { return loopExecutor }
        let made = EventLoopTaskExecutor(context.eventLoop)
        loopExecutor = made
        return made
    }

    private func applyStepResult(_ result: Machine.StepResult, _ context: ChannelHandlerContext) {
        feed(Machine.stepFinished(result), context)
    }

    /// Timeouts that bytes alone cannot extend (the machine decides what a timeout means).
    private func schedule(_ timer: Adapter.TimerID, _ deadline: SessionTimerDeadline,
                          _ context: ChannelHandlerContext) -> Scheduled<Void> {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let fire: @Sendable () -> Void = {
            let (driver, context) = bound.value
            driver.timers[timer] = nil
            driver.feed(driver.adapter.timerFired(timer, context), context)
        }
        switch deadline {
        case .after(let delay): return context.eventLoop.scheduleTask(in: TimeAmount(delay), fire)
        case .at(let time): return context.eventLoop.scheduleTask(deadline: time, fire)
        }
    }

    // MARK: SteppingSession

    public var acceptsStepResults: Bool { inPlace { adapter.acceptsStepResults($0) } }

    /// Reads the machine where it is stored. A plain read of this generic property copied the
    /// whole session value (706 octets for SMTP, each of its strings and arrays retained and
    /// released again) at every read, drain and step result, about 40 times per received
    /// message (issue 24); an in-place (`inout`) access passes its address instead. `body` must
    /// not reach the driver's `machine` itself (exclusive access).
    @inline(__always)
    private func inPlace<Result>(_ body: (inout Machine) -> Result) -> Result { body(&machine) }
    public func willApplyStep(_ context: ChannelHandlerContext) { adapter.willApplyStep(self) }
    public func didApplyStep(_ context: ChannelHandlerContext) { adapter.didApplyStep(self, context) }
}
