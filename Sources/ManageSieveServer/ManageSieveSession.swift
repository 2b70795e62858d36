import Logging
import ManageSieveProtocol
import SASL
import ServerRuntime

/// One ManageSieve session (RFC 5804) as a state machine without a socket: it takes events (the
/// greeting, a framed command, a step's result, a timer, shutdown, the client leaving) and
/// returns `ManageSieveAction`s. Failures become responses only through
/// `ManageSieveFailure.response`. `SessionDriver` with `ManageSieveSessionAdapter` runs it.
struct ManageSieveSession {
    struct Settings {
        var hostname: String
        var sasl: SASLPolicy
        var loginTimeout: Duration
        var loopback: Bool
        var startTLSAvailable: Bool
        var channelBindingAvailable: () -> Bool = { false }
        /// `sieve.max_script_size`: the literal limit once logged in, and PUTSCRIPT's.
        var maxScriptSize: Int
        /// The literal limit before login (an AUTHENTICATE response fits a line).
        var maxLoginLiteral: Int
        var maxRedirects: Int
        /// What `require` accepts (the SIEVE capability).
        var extensions: [String]
    }

    enum State {
        case unauthenticated
        case authenticated(ManageSieveUser)
        case closed
    }

    enum Event {
        case greeting
        case input(ManageSieveInput)
        case stepFinished(ManageSieveStepResult)
        case inputDrained
        case idleTimeout
        case loginTimeout
        case shutdown
        case connectionClosed
    }

    let settings: Settings
    let logger: Logger
    var state = State.unauthenticated
    var tlsActive: Bool
    private(set) var stepRunning = false
    /// An AUTHENTICATE exchange waiting for the client's next string.
    var authExchange: SASLLogin?
    private var shutdownRequested = false

    init(settings: Settings, tlsActive: Bool, logger: Logger = Logger(label: "hato.managesieve")) {
        self.settings = settings
        self.tlsActive = tlsActive
        self.logger = logger
    }

    var isClosed: Bool { if case .closed = state { true } else { false } }
    var readsCommands: Bool { !stepRunning && !isClosed }

    mutating func handle(_ event: Event) -> [ManageSieveAction] {
        switch event {
        case .greeting:
            // RFC 5804 §1.7: the greeting is the capability response.
            return [.send(.capabilities(capabilities, "Hato ManageSieve ready")), .armIdleTimer, .armLoginTimer(settings.loginTimeout)]
        case .input(let input):
            guard !isClosed else { return [] }
            return [.armIdleTimer] + receive(input)
        case .stepFinished(let result):
            stepRunning = false
            guard !isClosed else { return [] }
            return [.armIdleTimer] + apply(result)
        case .inputDrained:
            return shutdownRequested && readsCommands ? end(.shuttingDown) : []
        case .idleTimeout:
            guard !isClosed else { return [] }
            return stepRunning ? [.armIdleTimer] : end(.idle)
        case .loginTimeout:
            guard case .unauthenticated = state else { return [] }
            return stepRunning ? [.armLoginTimer(.seconds(1))] : end(.loginTookTooLong)
        case .shutdown:
            guard !isClosed else { return [] }
            shutdownRequested = true
            return stepRunning ? [] : end(.shuttingDown)
        case .connectionClosed:
            state = .closed
            return [.cancelTimers]
        }
    }

    private mutating func receive(_ input: ManageSieveInput) -> [ManageSieveAction] {
        let exchange = authExchange
        authExchange = nil
        switch input {
        case .command(let frame):
            if let exchange {
                // RFC 5804 §2.1: the client answers a challenge with one string ("*" cancels).
                do {
                    return run(.continueAuthentication(exchange, response: try ManageSieveParser.saslResponse(frame)))
                } catch {
                    return [.send(.failure(.unparsable(error)))]
                }
            }
            do {
                return command(try ManageSieveParser.parse(frame))
            } catch {
                return [.send(.failure(.unparsable(error)))]
            }
        case .lineTooLong:
            return [.send(.failure(.lineTooLong))]
        case .literalTooLarge(let keyword, _):
            let limit = if case .authenticated = state { settings.maxScriptSize } else { settings.maxLoginLiteral }
            return [.send(.failure(.literalTooLarge(keyword: exchange == nil ? keyword : "", limit: limit)))]
        case .tooManyLiterals:
            return [.send(.failure(.tooManyLiterals))]
        case .unrecoverable:
            return end(.unrecoverableInput)
        }
    }

    private mutating func apply(_ result: ManageSieveStepResult) -> [ManageSieveAction] {
        switch result {
        case .login(.challenge(let text, let login)):
            authExchange = login
            return [.send(.challenge(text))]
        case .login(.refused(let failure)):
            return [.send(.failure(.authentication(failure)))]
        case .login(.authenticated(let identity)):
            return run(.openAccount(username: identity.username))
        case .account(.success(let user)):
            guard case .unauthenticated = state else { return [] }
            state = .authenticated(user)
            logger.info("login", metadata: ["user": "\(user.name)"])
            return [.setLiteralLimit(settings.maxScriptSize), .cancelLoginTimer, .send(.ok(nil, "Logged in"))]
        case .account(.failure(let failure)), .done(.failure(let failure)):
            return [.send(.failure(failure))]
        case .done(.success(let reply)):
            return [.send(reply)]
        }
    }

    mutating func run(_ step: ManageSieveStep) -> [ManageSieveAction] {
        stepRunning = true
        return [.run(step)]
    }

    /// A BYE, and the connection closes after it.
    private mutating func end(_ failure: ManageSieveFailure) -> [ManageSieveAction] {
        logger.info("closing session", metadata: ["reason": "\(failure.response.text)"])
        state = .closed
        return [.send(.failure(failure)), .cancelTimers, .close]
    }
}
