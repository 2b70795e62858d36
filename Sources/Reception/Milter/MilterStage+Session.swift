// Each filter answers each SMTP command as it comes, over one conversation per SMTP session, as
// in Postfix (milter8.c): a refusal at CONNECT closes the session, at HELO refuses HELO, at MAIL
// refuses MAIL, at RCPT refuses that recipient only, at the end of the message refuses the
// message. `SMFIR_ACCEPT` at CONNECT or HELO leaves the filter out for the session, at MAIL or
// RCPT for the message. A filter that is down or breaks the protocol gets its `default_action`
// for the rest of the session: `accept` leaves it out, `tempfail` and `reject` refuse every MAIL
// (and the step that failed) with 451 4.7.1 or 554 5.7.1, as Postfix's milter_default_action does.

import MailMessage
import MilterClient
import MilterProtocol
import SMTPProtocol
import Synchronization

/// One filter's conversation in one SMTP session and where it stands.
final class MilterFilterSession: Sendable {
    struct Standing: Sendable {
        /// Accepted for the session, or failed with default_action accept: left out.
        var leftOut = false
        /// What every later step answers (default_action tempfail/reject after a failure).
        var refusing: ReceptionVerdict?
        /// SMFIR_DISCARD at CONNECT or HELO: every message of the session is held.
        var discardingSession = false
        /// The transaction the filter accepted early (left out until the next MAIL).
        var acceptedTransaction: String?
        /// The transaction the filter asked to discard early.
        var discardedTransaction: String?
        /// The transaction whose message the filter has heard (later RCPTs are envelope changes).
        var finishedTransaction: String?
    }

    let conversation: MilterSession
    let standing = Mutex(Standing())

    init(conversation: MilterSession) { self.conversation = conversation }
}

extension MilterStage {
    /// The filter's conversation for this client's SMTP session (nil outside a session).
    func session(_ filter: MilterFilter, _ client: ReceptionClient) -> MilterFilterSession? {
        client.session?.value("milter:\(filter.name)") {
            MilterFilterSession(conversation: MilterSession(endpoint: filter.endpoint, timeouts: filter.timeouts,
                                                            limits: filter.limits, group: group))
        }
    }

    public func connection(_ client: ReceptionClient) async -> ReceptionVerdict {
        for filter in filters where filter.listeners.contains(client.listener) {
            guard let session = session(filter, client) else { continue }
            let conversation = session.conversation
            await client.session?.onClose { await conversation.close() }
            let verdict = await early(filter, session, client, command: "Connection") {
                try await conversation.connect(hostname: "[\(client.remoteIP)]", address: client.remoteIP, port: 0,
                                               macros: Self.connectionMacros(client))
            }
            if verdict != .accept { return verdict }
        }
        return .accept
    }

    public func helo(_ client: ReceptionClient) async -> ReceptionVerdict {
        for filter in filters where filter.listeners.contains(client.listener) {
            guard let session = session(filter, client), !session.standing.withLock({ $0.leftOut || $0.refusing != nil }) else { continue }
            let verdict = await early(filter, session, client, command: "Command") {
                try await session.conversation.helo(client.helo ?? "", macros: Self.heloMacros(client))
            }
            if verdict != .accept { return verdict }
        }
        return .accept
    }

    public func mailFrom(_ transaction: inout ReceptionTransaction, client: ReceptionClient) async -> ReceptionVerdict {
        let id = transaction.id, mailFrom = transaction.mailFrom.map { "<\($0)>" } ?? "<>"
        let macros = Self.transactionMacros(transaction, client: client)[.mail] ?? []
        for filter in filters where filter.listeners.contains(client.listener) {
            guard let session = session(filter, client) else { continue }
            let standing = session.standing.withLock { $0 }
            if let refusing = standing.refusing { return refusing }
            if standing.leftOut { continue }
            let verdict = await early(filter, session, client, command: "Sender address", transaction: id) {
                try await session.conversation.mail(mailFrom, parameters: [], macros: macros)
            }
            if verdict != .accept { return verdict }
        }
        return .accept
    }

    public func recipient(_ recipient: inout ReceptionRecipient, transaction: ReceptionTransaction,
                          client: ReceptionClient) async -> ReceptionVerdict {
        // A recipient no stage placed is refused by the session anyway; the filter is not told.
        guard recipient.resolution != nil else { return .accept }
        let id = transaction.id, address = "<\(recipient.address)>"
        for filter in filters where filter.listeners.contains(client.listener) {
            guard let session = session(filter, client) else { continue }
            let standing = session.standing.withLock { $0 }
            if let refusing = standing.refusing { return refusing }
            if standing.leftOut || standing.acceptedTransaction == id || standing.finishedTransaction == id { continue }
            let verdict = await early(filter, session, client, command: "Recipient address", transaction: id) {
                try await session.conversation.recipient(address, macros: [])
            }
            if verdict != .accept { return verdict }
        }
        return .accept
    }

    /// The end of the message over the session's conversation.
    func messageStep(_ filter: MilterFilter, _ session: MilterFilterSession, _ message: inout ReceptionMessage,
                     transaction: ReceptionTransaction, client: ReceptionClient) async -> ReceptionVerdict {
        let standing = session.standing.withLock { standing in
            defer { standing.finishedTransaction = transaction.id }
            return standing
        }
        if standing.discardingSession || standing.discardedTransaction == transaction.id {
            message.hold = ReceptionHold(verdict: "milter-discard", reason: "discarded by milter \(filter.name)")
        }
        if let refusing = standing.refusing { return refusing }
        if standing.leftOut || standing.acceptedTransaction == transaction.id {
            await session.conversation.endMessage()
            return .accept
        }
        do {
            let outcome = try await session.conversation.message(
                header: Self.header(message.content), body: Self.body(message.content),
                macros: Self.transactionMacros(transaction, client: client))
            count(filter, "message", outcome)
            return apply(outcome, filter: filter, to: &message, client: client)
        } catch {
            count(filter, "message", nil)
            return failed(filter, session, error, client)
        }
    }

    /// One step before the message: the filter's early verdict as this command's answer. A
    /// failure at CONNECT or HELO (no `transaction` yet) is answered from the next MAIL on.
    private func early(_ filter: MilterFilter, _ session: MilterFilterSession, _ client: ReceptionClient, command: String,
                       transaction: String? = nil, _ step: () async throws -> MilterVerdict?) async -> ReceptionVerdict {
        let outcome: MilterVerdict?
        let stepName = ["Connection": "connect", "Command": "helo", "Sender address": "mail"][command] ?? "rcpt"
        do {
            outcome = try await step()
        } catch {
            count(filter, stepName, nil)
            let verdict = failed(filter, session, error, client)
            return transaction == nil ? .accept : verdict
        }
        if outcome != nil { count(filter, stepName, outcome) }
        switch outcome {
        case nil:
            return .accept
        case .accept?:
            session.standing.withLock { if let transaction { $0.acceptedTransaction = transaction } else { $0.leftOut = true } }
            return .accept
        case .discard?:
            session.standing.withLock { if let transaction { $0.discardedTransaction = transaction } else { $0.discardingSession = true } }
            return .accept
        case .reject?:
            return .reject(ReceptionRefusal(command == "Connection" ? 554 : 550, SMTPEnhancedStatusCode.milter(5, 7, 1),
                                            "\(command) rejected by content filter", cause: "milter \(filter.name): reject"))
        case .tempfail?:
            return .defer(ReceptionRefusal(command == "Connection" ? 421 : 451, SMTPEnhancedStatusCode.milter(4, 7, 1),
                                           "Service unavailable, try again later", cause: "milter \(filter.name): tempfail"))
        case .reply(let code, let text)?:
            return .refusal(Self.refusal(code: code, text: text, filter: filter.name))
        }
    }

    /// The filter cannot be talked to: its default action from now on.
    private func failed(_ filter: MilterFilter, _ session: MilterFilterSession, _ error: any Error, _ client: ReceptionClient) -> ReceptionVerdict {
        Self.logFailure(filter, error, client: client)
        let verdict = Self.defaultVerdict(filter)
        session.standing.withLock { standing in
            if verdict == .accept { standing.leftOut = true } else { standing.refusing = verdict }
        }
        let conversation = session.conversation
        Task { await conversation.close() }
        return verdict
    }
}
