import Logging
import POP3Protocol
import SASL
import ServerRuntime

/// One POP3 session as a state machine without a socket: it takes events (the greeting, a
/// decoded line, a step's result, a timer, shutdown, the client leaving) and returns the
/// actions its driver carries out (`POP3Action`). Failures become replies only through
/// `POP3Failure.response`. `SessionDriver` (with
/// `POP3SessionAdapter`) drives it on a channel; tests feed it directly.
struct POP3Session {
    /// What the session needs to know about its listener and connection.
    struct Settings {
        var hostname: String
        var sasl: SASLPolicy
        var loginTimeout: Duration
        var loopback: Bool
        /// The listener can do STLS (it has TLS configured).
        var stlsAvailable: Bool
        /// The RFC 9266 channel binding is known (filled in by the TLS layer after a handshake).
        var channelBindingAvailable: () -> Bool = { false }
    }

    enum State {
        /// RFC 1939 §4; `user` is the name a USER gave, waiting for PASS.
        case authorization(user: String?)
        /// RFC 1939 §5, with the maildrop locked and its snapshot.
        case transaction(Maildrop)
        case closed
    }

    enum Event {
        case greeting
        case line(POP3LineDecoder.POP3Line)
        case stepFinished(POP3StepResult)
        /// No complete line is buffered (the driver read all it could).
        case inputDrained
        case idleTimeout
        case loginTimeout
        case shutdown
        case connectionClosed
    }

    let settings: Settings
    let logger: Logger
    var state: State = .authorization(user: nil)
    var tlsActive: Bool
    /// A step is running: no command is read until its result is in.
    private(set) var stepRunning = false
    /// An AUTH exchange waiting for the client's next line.
    private var authExchange: SASLLogin?
    private var shutdownRequested = false

    init(settings: Settings, tlsActive: Bool, logger: Logger = Logger(label: "hato.pop3")) {
        self.settings = settings
        self.tlsActive = tlsActive
        self.logger = logger
    }

    var isClosed: Bool { if case .closed = state { true } else { false } }
    /// Whether the driver should hand over the next buffered line.
    var readsCommands: Bool { !stepRunning && !isClosed }

    mutating func handle(_ event: Event) -> [POP3Action] {
        switch event {
        case .greeting:
            return [.send(.ok("Hato POP3 server ready")), .armIdleTimer, .armLoginTimer(settings.loginTimeout)]
        case .line(let line):
            guard !isClosed else { return [] }  // after the last reply: dropped (`closeAfterLastReply`)
            // RFC 1939 §3: the autologout timer counts from the last complete command line.
            return [.armIdleTimer] + receive(line)
        case .stepFinished(let result):
            stepRunning = false
            // A result for a client that left still arrives, so a lock taken meanwhile goes back.
            guard !isClosed else {
                if case .maildrop(.success(let maildrop)) = result { return [.releaseLock(maildrop.account.id)] }
                return []
            }
            // The autologout timer counts from this reply too.
            return [.armIdleTimer] + apply(result)
        case .inputDrained:
            return shutdownRequested && readsCommands ? closeForShutdown() : []
        case .idleTimeout:
            guard !isClosed else { return [] }
            // A command still running against the store is the server's wait, not the client's.
            return stepRunning ? [.armIdleTimer] : autologout(.idle)
        case .loginTimeout:
            guard case .authorization = state else { return [] }
            // A login being checked (or delayed by the throttle) gets to finish.
            return stepRunning ? [.armLoginTimer(.seconds(1))] : autologout(.loginTookTooLong)
        case .shutdown:
            guard !isClosed else { return [] }
            shutdownRequested = true
            return stepRunning ? [] : closeForShutdown()
        case .connectionClosed:
            // A dropped connection deletes nothing (RFC 1939 §6: UPDATE only after QUIT).
            return close() + [.cancelTimers]
        }
    }

    private mutating func receive(_ line: POP3LineDecoder.POP3Line) -> [POP3Action] {
        switch line {
        case .tooLong:
            return [.send(.failure(.lineTooLong))]
        case .line(let text):
            if let login = authExchange {
                authExchange = nil
                return run(.continueAuthentication(login, response: text))
            }
            do {
                return command(try POP3Parser.parse(text))
            } catch {
                return [.send(.failure(.unparsable(error)))]
            }
        }
    }

    private mutating func apply(_ result: POP3StepResult) -> [POP3Action] {
        switch result {
        case .login(.challenge(let text, let login)):
            authExchange = login
            return [.send(.continuation(text))]
        case .login(.refused(let failure)):
            return [.send(.failure(.authentication(failure)))]
        case .login(.authenticated(let identity)):
            return run(.openMaildrop(username: identity.username))
        case .maildrop(.success(let maildrop)):
            guard case .authorization = state else { return [.releaseLock(maildrop.account.id)] }
            state = .transaction(maildrop)
            return [.send(.ok("\(maildrop.live.count) messages (\(maildrop.octets) octets)"))]
        case .maildrop(.failure(let failure)), .message(.failure(let failure), _):
            return [.send(.failure(failure))]
        case .message(.success(let bytes), let topLines):
            return [.send(.message(bytes, topLines: topLines))]
        case .updated(let outcome):
            // The lock goes before the reply: a client that reconnects the moment it reads the
            // reply must find the maildrop free (RFC 1939 §6: UPDATE ends the session).
            let release = close()
            switch outcome {
            case .success(let deleted):
                return release + [.send(.ok("\(settings.hostname) signing off (\(deleted) deleted)")), .close]
            case .failure(let failure):
                return release + [.send(.failure(failure)), .close]
            }
        }
    }

    mutating func run(_ step: POP3Step) -> [POP3Action] {
        stepRunning = true
        return [.run(step)]
    }

    /// Ends the session state: the lock is given back once (a close racing QUIT's UPDATE
    /// cannot release a lock another session took meanwhile).
    mutating func close() -> [POP3Action] {
        defer { state = .closed }
        if case .transaction(let maildrop) = state { return [.releaseLock(maildrop.account.id)] }
        return []
    }

    /// Timeouts that bytes alone cannot extend: the client hears `-ERR` and the connection
    /// closes; nothing is deleted (RFC 1939 §6).
    private mutating func autologout(_ failure: POP3Failure) -> [POP3Action] {
        logger.info("closing session", metadata: ["reason": "\(failure.response.text)"])
        return [.send(.failure(failure))] + close() + [.cancelTimers, .close]
    }

    private mutating func closeForShutdown() -> [POP3Action] {
        [.send(.failure(.shuttingDown))] + close() + [.close]
    }
}
