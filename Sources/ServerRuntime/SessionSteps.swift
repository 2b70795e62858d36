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

    /// Runs `work` off the event loop, then applies the closure it returns to the session.
    public func perform(_ context: ChannelHandlerContext,
                        _ work: @escaping @Sendable () async -> @Sendable (Self, ChannelHandlerContext) -> Void) {
        busy = true
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        Task {
            let apply = await work()
            bound.eventLoop.execute {
                let (session, context) = bound.value
                // Not busy before `apply`: it may start the next step with `perform` itself.
                session.busy = false
                guard session.acceptsStepResults else { return }
                session.willApplyStep(context)
                apply(session, context)
                session.didApplyStep(context)
            }
        }
    }
}
