import NIOCore

/// The bridge every protocol session (SMTP, IMAP, POP3) uses between its event loop and async
/// work: a command whose answer needs the store, DNS or a password hash runs as one step in a
/// Task; the session reads no further command while it runs (`busy`), and the step's result is
/// applied back on the event loop, where the session state lives, unless the session ended
/// meanwhile. Steps therefore run one at a time and in order, which keeps pipelined commands
/// answered in order (RFC 2920 §3, RFC 9051 §5.5).
public protocol SteppingSession: AnyObject {
    /// True from the start of a step until its result has been applied.
    var busy: Bool { get set }
    /// False once the session is over (closed, logged out): a late result is dropped.
    var acceptsStepResults: Bool { get }
    /// Just before a result is applied (a session may restart a timer here).
    func willApplyStep(_ context: ChannelHandlerContext)
    /// After the result was applied: typically, go on with buffered input unless the result
    /// started another step.
    func didApplyStep(_ context: ChannelHandlerContext)
}

extension SteppingSession {
    public func willApplyStep(_ context: ChannelHandlerContext) {}

    /// Runs `work` in a task (on the cooperative pool, or with `executor` as its preference:
    /// `EventLoopTaskExecutor`), then applies the closure it returns to the session on its event
    /// loop: at once when the task ended there, else in the loop's next turn.
    public func perform(_ context: ChannelHandlerContext, on executor: (any TaskExecutor)? = nil,
                        _ work: @escaping @Sendable () async -> @Sendable (Self, ChannelHandlerContext) -> Void) {
        busy = true
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        Task(executorPreference: executor) {
            let apply = await work()
            if bound.eventLoop.inEventLoop {
                Self.apply(apply, bound)
            } else {
                bound.eventLoop.execute { Self.apply(apply, bound) }
            }
        }
    }

    private static func apply(_ apply: @Sendable (Self, ChannelHandlerContext) -> Void,
                              _ bound: NIOLoopBound<(Self, ChannelHandlerContext)>) {
        let (session, context) = bound.value
        // Not busy before `apply`: it may start the next step with `perform` itself.
        session.busy = false
        guard session.acceptsStepResults else { return }
        session.willApplyStep(context)
        apply(session, context)
        session.didApplyStep(context)
    }
}
