import Logging
import NIOCore

/// A protocol session as a state machine (`SMTPSession`, `IMAPSession`, `POP3Session`): no
/// channel and no socket; it takes events and returns the actions its driver carries out.
/// `SessionDriver` runs one on a channel and produces the events every protocol shares.
public protocol SessionMachine {
    associatedtype Event
    associatedtype Action
    associatedtype StepResult: Sendable

    /// The connection is up: say hello (or run the connection checks first).
    static var greeting: Event { get }
    /// The server is stopping (`ServerShutdownEvent`).
    static var shutdown: Event { get }
    /// The client left, or the connection failed.
    static var connectionClosed: Event { get }
    /// A step's result, applied on the event loop.
    static func stepFinished(_ result: StepResult) -> Event

    /// Over: input after the last reply is dropped, and reading never resumes.
    var isClosed: Bool { get }
    mutating func handle(_ event: Event) -> [Action]
}

/// Does a session's async work (store, DNS, password hashes), one step at a time.
public protocol SessionStepRunner: Sendable {
    associatedtype Step: Sendable
    associatedtype StepResult: Sendable
    func run(_ step: Step) async -> StepResult
    /// Whether `step` may run on the session's event loop (`EventLoopTaskExecutor`): only steps
    /// that await the store and do little CPU work themselves. Default: none.
    func runsOnEventLoop(_ step: Step) -> Bool
}

extension SessionStepRunner {
    public func runsOnEventLoop(_ step: Step) -> Bool { false }
}

/// When a session timer fires.
public enum SessionTimerDeadline: Sendable {
    case after(Duration)
    case at(NIODeadline)
}

/// What every protocol asks of its driver. A protocol's own actions (IMAP's change feed,
/// SMTP's header prefetch, POP3's lock release) are carried out by its `SessionAdapter`.
public enum SessionDriverAction<Step: Sendable, TimerID: Hashable & Sendable> {
    /// Encoded reply bytes, written and flushed.
    case send(ByteBuffer)
    /// Async work (`SteppingSession.perform`); no further input is read until its result is in.
    case run(Step)
    /// STARTTLS/STLS. `discardingInput`: the driver drops what the client pipelined behind the
    /// command (RFC 2595 §4, RFC 9051 §6.2.1); SMTP's machine drops it itself.
    case startTLS(discardingInput: Bool)
    /// After the last reply (`Channel.closeAfterLastReply`).
    case close
    /// (Re)arms one timer; when it fires the adapter names the event (`timerFired`).
    case armTimer(TimerID, SessionTimerDeadline)
    case cancelTimer(TimerID)
    case cancelTimers
}

/// What one protocol adds to `SessionDriver`: how its actions map to driver actions (and its
/// own actions are done), how its decoder is fed, what its timers mean, and a few hooks whose
/// defaults suit most protocols. `SendableMetatype`: the driver's step and timer closures,
/// which run on other threads before hopping back to the loop, name its generic type.
public protocol SessionAdapter: AnyObject, SendableMetatype {
    associatedtype Machine: SessionMachine
    associatedtype Runner: SessionStepRunner where Runner.StepResult == Machine.StepResult
    associatedtype TimerID: Hashable & Sendable
    typealias Driver = SessionDriver<Self>
    typealias DriverAction = SessionDriverAction<Runner.Step, TimerID>

    var steps: Runner { get }
    var connection: ConnectionContext { get }
    /// With the connection's metadata (remote address, listener).
    var logger: Logger { get }
    /// The TLS upgrade command's name, for the log line when it fails ("STLS", "STARTTLS").
    var startTLSCommand: String { get }

    /// Encodes replies into `.send`, maps shared actions, and carries out the protocol's own
    /// (returning nil).
    func driverAction(for action: Machine.Action, _ driver: Driver, _ context: ChannelHandlerContext) -> DriverAction?
    /// Decodes what it may of `driver.inbound.buffer` and feeds it to `driver.machine`.
    func handOverInput(_ driver: Driver, _ context: ChannelHandlerContext)
    /// The event a timer means.
    func timerFired(_ timer: TimerID, _ context: ChannelHandlerContext) -> Machine.Event

    /// Client octets the machine holds outside `driver.inbound` (a message being assembled);
    /// they count towards the input budget. Default 0.
    func assembledOctets(_ machine: Machine) -> Int
    /// Reasons besides a running step and a full budget to hold reads. Default none.
    func holdsInput(_ driver: Driver, _ context: ChannelHandlerContext) -> Bool
    /// Whether a step result still goes to the machine. Default true, so one that arrives after
    /// the client left can give back what it took (a lock, a session slot).
    func acceptsStepResults(_ machine: Machine) -> Bool
    func willApplyStep(_ driver: Driver)
    /// After a step result was applied. Default: go on with buffered input unless closed.
    func didApplyStep(_ driver: Driver, _ context: ChannelHandlerContext)
    /// Before a read is buffered. Default nothing.
    func willReceive(octets: Int, _ driver: Driver, _ context: ChannelHandlerContext)
    /// The channel's writability changed (already passed on). Default nothing.
    func writabilityChanged(_ driver: Driver, _ context: ChannelHandlerContext)
    /// The connection failed (logged; closed right after). Default nothing.
    func connectionFailed(_ driver: Driver, _ context: ChannelHandlerContext)
    /// The connection is gone (after the machine heard `connectionClosed`): release what the
    /// session held outside the machine. Default nothing.
    func connectionEnded()
}

extension SessionAdapter {
    public func assembledOctets(_ machine: Machine) -> Int { 0 }
    public func holdsInput(_ driver: Driver, _ context: ChannelHandlerContext) -> Bool { false }
    public func acceptsStepResults(_ machine: Machine) -> Bool { true }
    public func willApplyStep(_ driver: Driver) {}
    public func didApplyStep(_ driver: Driver, _ context: ChannelHandlerContext) {
        if !driver.machine.isClosed { driver.drain(context) }
    }
    public func willReceive(octets: Int, _ driver: Driver, _ context: ChannelHandlerContext) {}
    public func writabilityChanged(_ driver: Driver, _ context: ChannelHandlerContext) {}
    public func connectionFailed(_ driver: Driver, _ context: ChannelHandlerContext) {}
    public func connectionEnded() {}
}
