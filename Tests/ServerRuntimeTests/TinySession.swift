import Logging
import NIOCore
import ServerRuntime
import Synchronization

/// A tiny line protocol as a `SessionMachine`, to test `SessionDriver` alone: `echo X` answers
/// X, `slow X` runs a step (held until the test opens `StepGate`) answered `done X`, `timer`
/// arms a 5 s timer, `note X` is a protocol-specific action, `starttls` upgrades, `quit` says
/// bye and closes; shutdown waits for a running step.
struct TinyMachine: SessionMachine {
    enum Event {
        case greeting, line(String), inputDrained, stepFinished(String), timeout, shutdown, connectionClosed
    }

    enum Action {
        case send(String)
        case run(String)
        case startTLS
        case note(String)
        case close
        case armTimer(Duration)
        case cancelTimer
    }

    static var greeting: Event { .greeting }
    static var shutdown: Event { .shutdown }
    static var connectionClosed: Event { .connectionClosed }
    static func stepFinished(_ result: String) -> Event { .stepFinished(result) }

    private(set) var isClosed = false
    private(set) var stepRunning = false
    private var shutdownRequested = false
    var readsCommands: Bool { !stepRunning && !isClosed }

    mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case .greeting: return [.send("hello")]
        case .line(let line): return command(line)
        case .inputDrained: return shutdownRequested && readsCommands ? goodbye() : []
        case .stepFinished(let result):
            stepRunning = false
            return [.send(result)]
        case .timeout: return [.send("timeout")]
        case .shutdown:
            if stepRunning {
                shutdownRequested = true
                return []
            }
            return goodbye()
        case .connectionClosed:
            isClosed = true
            return [.cancelTimer, .note("connection closed")]
        }
    }

    private mutating func command(_ line: String) -> [Action] {
        let (verb, argument) = line.firstIndex(of: " ").map { (line[..<$0], String(line[line.index(after: $0)...])) }
            ?? (line[...], "")
        switch verb {
        case "echo": return [.send(argument)]
        case "slow":
            stepRunning = true
            return [.run(argument)]
        case "timer": return [.armTimer(.seconds(5)), .send("armed")]
        case "cancel": return [.cancelTimer, .send("cancelled")]
        case "note": return [.note(argument), .send("noted")]
        case "starttls": return [.send("go ahead"), .startTLS]
        case "quit":
            isClosed = true
            return [.send("bye"), .close]
        default: return [.send("unknown")]
        }
    }

    private mutating func goodbye() -> [Action] {
        isClosed = true
        return [.send("shutting down"), .close]
    }
}

/// Lets a test decide when a step finishes.
actor StepGate {
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var permits = 0

    func pass() async {
        if permits > 0 {
            permits -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func open() {
        if waiting.isEmpty { permits += 1 } else { waiting.removeFirst().resume() }
    }
}

struct TinySteps: SessionStepRunner {
    let gate: StepGate
    func run(_ step: String) async -> String {
        await gate.pass()
        return "done \(step)"
    }
}

final class TinyAdapter: SessionAdapter {
    typealias Machine = TinyMachine
    enum TimerID: Hashable, Sendable { case only }

    let steps: TinySteps
    let connection: ConnectionContext
    let logger = Logger(label: "hato.test.tiny")
    let startTLSCommand = "STARTTLS"
    let notes: TinyNotes

    init(steps: TinySteps, connection: ConnectionContext, notes: TinyNotes) {
        self.steps = steps
        self.connection = connection
        self.notes = notes
    }

    func handOverInput(_ driver: Driver, _ context: ChannelHandlerContext) {
        while driver.machine.readsCommands, let end = driver.inbound.buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = end - driver.inbound.buffer.readerIndex + 1
            let bytes = driver.inbound.buffer.readBytes(length: length)!.dropLast(2)
            driver.feed(.line(String(decoding: bytes, as: UTF8.self)), context)
        }
        driver.feed(.inputDrained, context)
    }

    func driverAction(for action: TinyMachine.Action, _ driver: Driver, _ context: ChannelHandlerContext) -> DriverAction? {
        switch action {
        case .send(let text): return .send(context.channel.allocator.buffer(string: text + "\r\n"))
        case .run(let step): return .run(step)
        case .startTLS: return .startTLS(discardingInput: true)
        case .note(let text):
            notes.add(text)
            return nil
        case .close: return .close
        case .armTimer(let delay): return .armTimer(.only, .after(delay))
        case .cancelTimer: return .cancelTimer(.only)
        }
    }

    func timerFired(_ timer: TimerID, _ context: ChannelHandlerContext) -> TinyMachine.Event { .timeout }
}

/// Counts the `read()`s the driver lets through to the channel.
final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = Never
    var reads = 0
    func read(context: ChannelHandlerContext) {
        reads += 1
        context.read()
    }
}

/// What `.note` actions asked for, in order (the protocol-specific action), readable from a test.
final class TinyNotes: Sendable {
    private let notes = Mutex<[String]>([])
    func add(_ note: String) { notes.withLock { $0.append(note) } }
    var all: [String] { notes.withLock { $0 } }
}

struct TinyProtocol: ProtocolServer {
    let gate: StepGate
    var inputBudget = 1024
    let notes = TinyNotes()

    func initializeConnection(_ channel: any Channel, context: ConnectionContext) throws {
        try channel.pipeline.syncOperations.addHandler(ReadCounter())
        try channel.pipeline.syncOperations.addHandler(SessionDriver(
            machine: TinyMachine(), adapter: TinyAdapter(steps: TinySteps(gate: gate), connection: context, notes: notes),
            inputBudget: inputBudget))
    }

    func tooManyConnectionsMessage() -> String { "too many\r\n" }
    func serverBusyMessage() -> String { "busy\r\n" }
}
