// The milter stage: each configured filter hears the SMTP session as it happens (CONNECT at
// connection, HELO, MAIL, each RCPT, then DATA ... EOB at the end of the message; milter
// protocol v6), and its verdict at each step becomes the reply to that command; its header and
// body edits are applied before the message is stored (MilterStage+Session.swift). Without a
// session (a message checked on its own) a filter hears the whole transaction at the end.

import LocalDelivery
import MailMessage
import MilterClient
import MilterProtocol
import Logging
import MailCore
import NIOCore
import SMTPProtocol

/// What to do when a filter cannot be reached, times out or breaks the protocol
/// (`default_action`, Postfix's `milter_default_action`).
public enum MilterDefaultAction: String, Sendable, CaseIterable {
    case accept, tempfail, reject
}

/// One `[[milter]]` entry.
public struct MilterFilter: Sendable {
    public var name: String
    public var endpoint: MilterEndpoint
    public var timeouts: MilterTimeouts
    public var limits: MilterLimits
    public var defaultAction: MilterDefaultAction
    public var listeners: Set<ReceptionListener>

    public init(name: String, endpoint: MilterEndpoint, timeouts: MilterTimeouts, limits: MilterLimits,
                defaultAction: MilterDefaultAction, listeners: Set<ReceptionListener>) {
        self.name = name
        self.endpoint = endpoint
        self.timeouts = timeouts
        self.limits = limits
        self.defaultAction = defaultAction
        self.listeners = listeners
    }
}

public struct MilterStage: ReceptionStage {
    public let filters: [MilterFilter]
    public let group: any EventLoopGroup
    public let counters: ReceptionCounters
    public var name: String { "milter" }
    public var phases: ReceptionPhases { [.connection, .helo, .mailFrom, .recipient, .message] }

    public init(filters: [MilterFilter], group: any EventLoopGroup, counters: ReceptionCounters = .none) {
        self.filters = filters
        self.group = group
        self.counters = counters
    }

    /// Counts a filter's final answer at a step (`hato_milter_results_total`).
    func count(_ filter: MilterFilter, _ step: String, _ outcome: MilterVerdict?) {
        let result = switch outcome {
        case nil: "failed"
        case .accept?: "accept"
        case .reject?: "reject"
        case .tempfail?: "tempfail"
        case .discard?: "discard"
        case .reply?: "reply"
        }
        counters.increment(ReceptionCounters.milterResults, [("milter", filter.name), ("step", step), ("result", result)])
    }

    public func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction,
                        client: ReceptionClient) async -> ReceptionVerdict {
        for filter in filters where filter.listeners.contains(client.listener) {
            let verdict = if let session = session(filter, client) {
                await messageStep(filter, session, &message, transaction: transaction, client: client)
            } else {
                await run(filter, &message, transaction: transaction, client: client)
            }
            if verdict != .accept { return verdict }
        }
        return .accept
    }

    /// The whole conversation at once, for a message checked outside an SMTP session.
    private func run(_ filter: MilterFilter, _ message: inout ReceptionMessage, transaction: ReceptionTransaction,
                     client: ReceptionClient) async -> ReceptionVerdict {
        let conversation = MilterConversation(endpoint: filter.endpoint, timeouts: filter.timeouts, limits: filter.limits, group: group)
        let envelope = Self.envelope(message.content, transaction: transaction, client: client)
        do {
            let outcome = try await conversation.run(envelope)
            count(filter, "message", outcome)
            return apply(outcome, filter: filter, to: &message, client: client)
        } catch {
            count(filter, "message", nil)
            Self.logFailure(filter, error, client: client)
            return Self.defaultVerdict(filter)
        }
    }

    static func logFailure(_ filter: MilterFilter, _ error: any Error, client: ReceptionClient) {
        client.logger.warning("milter failed", metadata: [
            "milter": "\(filter.name)", "socket": "\(filter.endpoint)", "error": "\(error)", "default_action": "\(filter.defaultAction.rawValue)",
        ])
    }

    /// The filter's verdict at the end of the message, applied to it.
    func apply(_ outcome: MilterVerdict, filter: MilterFilter, to message: inout ReceptionMessage, client: ReceptionClient) -> ReceptionVerdict {
        switch outcome {
        case .accept(let modifications):
            apply(modifications, to: &message, filter: filter.name, logger: client.logger)
            return .accept
        case .reject:
            return .reject(ReceptionRefusal(550, SMTPEnhancedStatusCode.milter(5, 7, 1), "Message rejected by content filter", cause: "milter \(filter.name): reject"))
        case .tempfail:
            return .defer(ReceptionRefusal(451, SMTPEnhancedStatusCode.milter(4, 7, 1), "Service unavailable, try again later", cause: "milter \(filter.name): tempfail"))
        case .discard:
            // Hato keeps what a filter discards, in the quarantine (docs/milter.md).
            message.hold = ReceptionHold(verdict: "milter-discard", reason: "discarded by milter \(filter.name)")
            return .accept
        case .reply(let code, let text):
            return .refusal(Self.refusal(code: code, text: text, filter: filter.name))
        }
    }

    private func apply(_ modifications: [MilterModification], to message: inout ReceptionMessage, filter: String, logger: Logger) {
        for case .addRecipient(let address, _) in modifications where Self.address(address) == nil {
            logger.warning("milter added an invalid recipient, ignored", metadata: ["milter": "\(filter)", "address": "\(String(reflecting: String(address.prefix(320))))"])
        }
        var edits = modifications
        if let reason = edits.lazy.compactMap({ if case .quarantine(let reason) = $0 { reason } else { nil } }).first {
            message.hold = ReceptionHold(verdict: "milter-quarantine", reason: String(reason.prefix(4000)))
        }
        edits.removeAll { if case .quarantine = $0 { true } else { false } }
        message.envelopeChanges += edits.compactMap(Self.envelopeChange)
        edits.removeAll { Self.isEnvelopeChange($0) }
        guard !edits.isEmpty else { return }
        for edit in edits {
            switch edit {
            case .addHeader(let name, let value), .insertHeader(_, let name, let value), .changeHeader(_, let name, let value):
                if !value.isEmpty { message.filterFields.append(FilterField(name: name, value: value)) }
            default: continue
            }
        }
        let content = message.content
        let stored = content.bytes
        var editor = MilterMessageEditor(fields: content.header.fields.map { ($0.name, Array($0.raw)) },
                                         body: Array(stored[min(content.headerLength, stored.count)...]), leadingSpace: false)
        edits.forEach { editor.apply($0) }
        message.content = ReceivedMessage(bytes: editor.bytes)
    }

    static func defaultVerdict(_ filter: MilterFilter) -> ReceptionVerdict {
        switch filter.defaultAction {
        case .accept: .accept
        case .tempfail:
            .defer(ReceptionRefusal(451, SMTPEnhancedStatusCode.milter(4, 7, 1), "Service unavailable, try again later", cause: "milter \(filter.name) unavailable"))
        case .reject:
            .reject(ReceptionRefusal(554, SMTPEnhancedStatusCode.milter(5, 7, 1), "Message rejected: content filter unavailable", cause: "milter \(filter.name) unavailable"))
        }
    }

    /// SMFIR_REPLYCODE text "xyz[-| ]x.y.z text" (lines joined by CRLF for a multi-line reply):
    /// the enhanced code when it agrees with the reply code, the lines' texts joined by spaces.
    static func refusal(code: Int, text: String, filter: String) -> ReceptionRefusal {
        var enhanced: SMTPEnhancedStatusCode?
        var texts: [String] = []
        for line in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            var words = line.dropFirst(4).drop { $0 == " " }  // the code and its separator
            let first = words.prefix { $0 != " " }
            let parts = first.split(separator: ".").compactMap { Int($0) }
            if parts.count == 3, let code = SMTPEnhancedStatusCode(parts[0], parts[1], parts[2]) {
                if enhanced == nil { enhanced = code }
                words = words.dropFirst(first.count).drop { $0 == " " }
            }
            if !words.isEmpty { texts.append(String(words)) }
        }
        let temporary = code / 100 == 4
        let fallback: SMTPEnhancedStatusCode = SMTPEnhancedStatusCode.milter(temporary ? 4 : 5, 7, 1)
        let agreed = enhanced.flatMap { $0.statusClass == code / 100 ? $0 : nil } ?? fallback
        let refusal = ReceptionRefusal(code, agreed, texts.isEmpty ? "Message refused by content filter" : texts.joined(separator: " "),
                                       cause: "milter \(filter): \(code)")
        return refusal
    }
}

extension ReceptionVerdict {
    static func refusal(_ refusal: ReceptionRefusal) -> ReceptionVerdict {
        refusal.isTemporary ? .defer(refusal) : .reject(refusal)
    }
}
