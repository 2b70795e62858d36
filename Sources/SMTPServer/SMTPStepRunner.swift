import LocalDelivery
import Logging
import MailCore
import MailMessage
import MailStore
import Reception
import SASL
import SMTPProtocol
import ServerRuntime

/// Does the async work of `SMTPStep`s (the reception stages, logins, delivery) off the event
/// loop and says what came of it; the session decides what that means for the client.
struct SMTPStepRunner: Sendable {
    let pipeline: ReceptionPipeline
    let delivery: LocalDelivery
    let store: any MailStore
    let authenticator: SASLAuthenticator
    let connection: ConnectionContext
    let messageLimits: MessageLimits
    /// Bounds the messages in memory for processing across sessions (nil: no bound).
    let processingGate: MessageProcessingGate?
    let logger: Logger
    /// What the stages keep for this connection; every client the stages see carries it.
    let session = ReceptionSession()

    /// The checks at connection, HELO, MAIL FROM and RCPT TO wait on DNS and the store and
    /// compute little: they run on the session's event loop (`EventLoopTaskExecutor`). So does
    /// the end of DATA (DKIM, DMARC, the risk assessment, delivery) of a message held in memory
    /// and at most `eventLoopMessageSize` octets: its computation is bounded by that size (about
    /// half a millisecond for 10 KB), and on the loop its seven or eight store reads need no
    /// thread hop each way and no reader taken from the pool (`BlockingIO.briefReadsInline`,
    /// `ThreadReaders`), nor its result a hop back (docs/PERFORMANCE.md, issue 24). Larger or
    /// spooled messages and password checks stay on the cooperative pool, so no long
    /// computation holds a loop and the connections it serves.
    func runsOnEventLoop(_ step: SMTPStep) -> Bool {
        switch step {
        case .connection, .helo, .mailFrom, .recipient: true
        case .deliver(.memory(let bytes), _, _): bytes.count <= Self.eventLoopMessageSize
        default: false
        }
    }

    /// The largest message whose end of DATA runs on its session's event loop.
    static let eventLoopMessageSize = 64 * 1024

    func run(_ step: SMTPStep) async -> SMTPStepResult {
        // On the event loop the store may read without a thread hop (`BlockingIO.briefReadsInline`).
        await BlockingIO.step(onEventLoop: runsOnEventLoop(step)) { await runStep(step) }
    }

    private func runStep(_ step: SMTPStep) async -> SMTPStepResult {
        switch step.inSession(session) {
        case .connection(let client):
            return .connection(await pipeline.connection(client))
        case .helo(let client):
            return .helo(await pipeline.helo(client))
        case .mailFrom(var transaction, let client):
            if let refusal = await pipeline.mailFrom(&transaction, client: client) { return .mailFrom(.failure(refusal)) }
            return .mailFrom(.success(transaction))
        case .recipient(var recipient, let dsn, let transaction, let client):
            if let refusal = await pipeline.recipient(&recipient, transaction: transaction, client: client) {
                return .recipient(.failure(refusal), dsn: dsn)
            }
            return .recipient(.success(recipient), dsn: dsn)
        case .authenticate(let mechanism, let initialResponse, let tlsActive):
            return .login(await SASLLogin.begin(mechanism: mechanism, initialResponse: initialResponse, tlsActive: tlsActive,
                                                connection: connection, authenticator: authenticator, logger: logger))
        case .continueAuthentication(let login, let response):
            return .login(await login.respond(response))
        case .lookUpAccount(let identity):
            let address = try? EmailAddress(identity.username)
            let account: Account? = if let address { try? await store.account(address) } else { nil }
            return .account(account, identity)
        case .deliver(let content, let transaction, let client):
            return .delivered(await process(content, transaction, client), transaction, size: content.count)
        }
    }

    /// Waits for room under `limits.processing_memory`, reads a spooled message back, and
    /// delivers it; the memory is given back when delivery has answered.
    private func process(_ content: ReceivedContent, _ transaction: ReceptionTransaction,
                         _ client: ReceptionClient) async -> Result<[RecipientDelivery], ReceptionRefusal> {
        guard let gate = processingGate else { return await load(content, transaction, client) }
        return await gate.holding(content.count) { await load(content, transaction, client) }
    }

    private func load(_ content: ReceivedContent, _ transaction: ReceptionTransaction,
                      _ client: ReceptionClient) async -> Result<[RecipientDelivery], ReceptionRefusal> {
        do {
            return await deliver(try await content.load(), transaction, client)
        } catch {
            client.logger.error("could not read spooled message", metadata: ["id": "\(transaction.id)", "error": "\(error)"])
            return .failure(ReceptionRefusal(452, SMTPEnhancedStatusCode(4, 3, 1)!, "Insufficient system storage; try again later",
                                             cause: "spool: \(error)"))
        }
    }

    /// Parses the message once, runs the message stages and hands it to delivery.
    private func deliver(_ bytes: [UInt8], _ received: ReceptionTransaction,
                         _ client: ReceptionClient) async -> Result<[RecipientDelivery], ReceptionRefusal> {
        var reception = received
        var message = ReceptionMessage(content: ReceivedMessage(bytes: bytes, limits: messageLimits))
        let refusal = await pipeline.message(&message, transaction: reception, client: client)
        SMTPMetrics.recordAuthentication(message.authenticationResults, spf: reception.spf?.result.rawValue, metrics: connection.metrics)
        if let refusal {
            SMTPMetrics.recordReceived(listener: connection.listener, result: refusal.isTemporary ? "deferred" : "rejected", metrics: connection.metrics)
            return .failure(refusal)
        }
        await applyEnvelopeChanges(message.envelopeChanges, to: &reception, client: client)
        if let hold = message.hold { return await quarantine(message, hold, reception, client) }
        guard !reception.recipients.isEmpty else {
            // A filter deleted every recipient: nobody gets the message, the client hears 250.
            client.logger.notice("no recipients left after envelope changes", metadata: ["id": "\(reception.id)"])
            return .success([])
        }
        var request = DeliveryRequest(
            mailFrom: reception.mailFrom, recipients: reception.recipients, message: message.content,
            envelopeID: reception.parameters.envelopeID, returnContent: reception.parameters.ret?.rawValue,
            smtpUTF8: reception.parameters.smtpUTF8, bodyType: reception.parameters.body?.rawValue)
        request.quarantine = message.junk
        request.keywords = message.keywords
        request.sealRemoteCopy = message.sealRemoteCopy
        request.filterFields = message.filterFields
        request.clientAddress = client.remoteIP
        request.serverHost = client.hostname
        // RFC 8689 §4.1: the REQUIRETLS parameter tags the message, else a single "TLS-Required: No".
        request.tlsRequirement = .tagged(requireTLSParameter: reception.parameters.requireTLS,
                                         tlsRequiredFields: message.content.parsed.header.fields(named: "TLS-Required").map(\.value))
        let results: [RecipientDelivery]
        switch await delivery.deliverOrRefuse(request) {
        case .delivered(let delivered): results = delivered
        case .refused(let refusal):
            // RFC 5429 §2.1-2.2: every recipient's script rejected the message; nothing was stored or sent.
            SMTPMetrics.recordReceived(listener: connection.listener, result: "rejected", metrics: connection.metrics)
            return .failure(ReceptionRefusal(550, SMTPEnhancedStatusCode(5, 7, 1)!, refusal.text, cause: "sieve reject"))
        }
        SMTPMetrics.recordReceived(listener: connection.listener, result: "accepted", metrics: connection.metrics)
        SMTPMetrics.recordDeliveries(results, metrics: connection.metrics)
        return .success(results)
    }

    /// The risk stage held the message: it goes to the quarantine, not to any mailbox, and the
    /// client hears 250 (docs/security.md "Quarantine").
    private func quarantine(_ message: ReceptionMessage, _ hold: ReceptionHold, _ reception: ReceptionTransaction,
                            _ client: ReceptionClient) async -> Result<[RecipientDelivery], ReceptionRefusal> {
        let header = message.content.parsed.header
        do {
            let held = try await store.quarantine(QuarantineRequest(
                bytes: message.content.bytes, mailFrom: reception.mailFrom, recipients: reception.recipients.map(\.address),
                verdict: hold.verdict, reason: hold.reason, subject: header.subject, from: header.from.mailboxes.first?.description))
            client.logger.notice("quarantined", metadata: ["id": "\(reception.id)", "quarantine": "\(held.id)", "risk": "\(hold.verdict)"])
            return .success(reception.recipients.map { _ in .delivered([]) })
        } catch {
            client.logger.error("could not quarantine", metadata: ["id": "\(reception.id)", "error": "\(error)"])
            return .failure(ReceptionRefusal(451, SMTPEnhancedStatusCode(4, 3, 0)!, "Temporary local problem; try again later",
                                             cause: "quarantine: \(error)"))
        }
    }
}
