// One message's conversation with one filter, in the order Postfix's milter8.c speaks it:
// OPTNEG, then CONNECT, HELO, MAIL, RCPT..., DATA, HEADER..., EOH, BODY..., EOB, QUIT, each
// preceded by its SMFIC_MACRO, skipping the steps the filter declined and not waiting for the
// replies it said it will not send.

import MilterProtocol
import NIOCore

/// What the filter is told about one message.
public struct MilterEnvelope: Sendable {
    public var clientHostname: String
    public var clientAddress: String
    public var clientPort: UInt16
    public var helo: String
    /// `<address>` (`<>` for the null reverse-path), then ESMTP parameters `KEY=VALUE`.
    public var mailFrom: String
    public var mailParameters: [String]
    public var recipients: [String]
    /// Macros by stage; the filter's SETSYMLIST, when given, picks among them.
    public var macros: [MilterMacroStage: [(name: String, value: String)]]
    /// The header fields as (name, value without the leading space, line breaks as LF).
    public var header: [(name: String, value: String)]
    /// The body, lines ending in CRLF as in SMTP.
    public var body: ArraySlice<UInt8>

    public init(clientHostname: String, clientAddress: String, clientPort: UInt16, helo: String, mailFrom: String,
                mailParameters: [String], recipients: [String], macros: [MilterMacroStage: [(name: String, value: String)]],
                header: [(name: String, value: String)], body: ArraySlice<UInt8>) {
        self.clientHostname = clientHostname
        self.clientAddress = clientAddress
        self.clientPort = clientPort
        self.helo = helo
        self.mailFrom = mailFrom
        self.mailParameters = mailParameters
        self.recipients = recipients
        self.macros = macros
        self.header = header
        self.body = body
    }
}

/// The filter's decision.
public enum MilterVerdict: Sendable, Equatable {
    /// Deliver, with these modifications (empty when the filter accepted early).
    case accept([MilterModification])
    case reject
    case tempfail
    case discard
    /// SMFIR_REPLYCODE: the filter's own reply (4xx or 5xx).
    case reply(code: Int, text: String)
}

/// Timeouts and limits of one filter (`[[milter]]`).
public struct MilterTimeouts: Sendable {
    public var connect: TimeAmount
    public var command: TimeAmount
    public var endOfMessage: TimeAmount

    public init(connect: TimeAmount, command: TimeAmount, endOfMessage: TimeAmount) {
        self.connect = connect
        self.command = command
        self.endOfMessage = endOfMessage
    }
}

public struct MilterConversation: Sendable {
    /// The actions Hato applies (docs/milter.md "Modifications", "Envelope changes").
    public static let offeredActions: MilterActions = [.addHeaders, .changeHeaders, .changeBody, .quarantine, .setMacroList,
                                                       .addRecipient, .addRecipientWithParameters, .deleteRecipient, .changeFrom]
    /// Every step may be skipped and every reply left out, as in Postfix.
    public static let offeredProtocolFlags = MilterProtocolFlags(rawValue: 0x1FFFFF)

    public let endpoint: MilterEndpoint
    public let timeouts: MilterTimeouts
    public let limits: MilterLimits
    public let group: any EventLoopGroup

    public init(endpoint: MilterEndpoint, timeouts: MilterTimeouts, limits: MilterLimits, group: any EventLoopGroup) {
        self.endpoint = endpoint
        self.timeouts = timeouts
        self.limits = limits
        self.group = group
    }

    /// Runs the conversation for one message.
    public func run(_ envelope: MilterEnvelope) async throws(MilterConnectionError) -> MilterVerdict {
        let connection = try await MilterConnection.connect(to: endpoint, group: group, timeout: timeouts.connect,
                                                            maxPacketSize: limits.maxPacketSize)
        defer { connection.close() }
        var steps = MilterSteps(connection: connection, timeouts: timeouts, limits: limits)
        let verdict = try await steps.run(envelope)
        try? await connection.send(.quit)
        return verdict
    }
}

/// The steps of one conversation; `stop` carries a verdict that ends it early.
struct MilterSteps {
    let connection: MilterConnection
    let timeouts: MilterTimeouts
    let limits: MilterLimits
    var negotiation = MilterNegotiation(version: milterProtocolVersion, actions: [], protocolFlags: [])

    init(connection: MilterConnection, timeouts: MilterTimeouts, limits: MilterLimits) {
        self.connection = connection
        self.timeouts = timeouts
        self.limits = limits
    }

    /// A verdict reached before the end of the message.
    enum Early: Error { case verdict(MilterVerdict) }

    mutating func run(_ envelope: MilterEnvelope) async throws(MilterConnectionError) -> MilterVerdict {
        do {
            try await negotiate()
            let flags = negotiation.protocolFlags
            try await step(.connect, .connect(hostname: envelope.clientHostname, family: family(envelope.clientAddress),
                                              port: envelope.clientPort, address: envelope.clientAddress),
                           envelope, skipped: .noConnect, silent: .noReplyConnect)
            try await step(.helo, .helo(envelope.helo), envelope, skipped: .noHelo, silent: .noReplyHelo)
            try await step(.mail, .mail(envelope.mailFrom, parameters: envelope.mailParameters), envelope,
                           skipped: .noMail, silent: .noReplyMail)
            for recipient in envelope.recipients {
                try await step(.recipient, .recipient(recipient, parameters: []), envelope, skipped: .noRecipient, silent: .noReplyRecipient)
            }
            try await step(.data, .data, envelope, skipped: .noData, silent: .noReplyData)
            if !flags.contains(.noHeaders) {
                for field in envelope.header {
                    let value = flags.contains(.headerLeadingSpace) ? " " + field.value : field.value
                    if try await exchange(.header(name: field.name, value: value), silent: flags.contains(.noReplyHeader)) == .skip { break }
                }
            }
            try await step(.endOfHeader, .endOfHeader, envelope, skipped: .noEndOfHeader, silent: .noReplyEndOfHeader)
            if !flags.contains(.noBody) {
                var offset = envelope.body.startIndex
                while offset < envelope.body.endIndex {
                    let end = min(offset + limits.bodyChunkSize, envelope.body.endIndex)
                    let reply = try await exchange(.body(Array(envelope.body[offset..<end])), silent: flags.contains(.noReplyBody))
                    if reply == .skip { break }
                    offset = end
                }
            }
            try await sendMacros(.endOfMessage, envelope)
            return try await endOfMessage()
        } catch Early.verdict(let verdict) {
            return verdict
        } catch let error as MilterConnectionError {
            throw error
        } catch {
            throw .closed
        }
    }

    private mutating func negotiate() async throws {
        try await connection.send(.negotiate(version: milterProtocolVersion, actions: MilterConversation.offeredActions,
                                             protocolFlags: MilterConversation.offeredProtocolFlags))
        guard case .negotiate(let answer) = try MilterReply.decode(try await connection.nextPacket(timeout: timeouts.command), limits: limits)
        else { throw MilterConnectionError.protocolError(.malformed("no option negotiation")) }
        // A filter may speak an older version (2 or more). What it asks for beyond the offer is
        // masked, as Postfix does; using a masked action later is a protocol error.
        guard answer.version >= 2 else { throw MilterConnectionError.protocolError(.malformed("version \(answer.version)")) }
        negotiation = answer
        negotiation.actions.formIntersection(MilterConversation.offeredActions)
        negotiation.protocolFlags.formIntersection(MilterConversation.offeredProtocolFlags)
    }

    private func family(_ address: String) -> MilterAddressFamily {
        address.isEmpty ? .unknown : address.contains(":") ? .inet6 : .inet
    }

    private func sendMacros(_ stage: MilterMacroStage, _ envelope: MilterEnvelope) async throws {
        var pairs = envelope.macros[stage] ?? []
        // An empty list (purepythonmilter sends one per stage) leaves the defaults.
        if let wanted = negotiation.macroLists[stage], !wanted.isEmpty {
            pairs = pairs.filter { pair in wanted.contains { $0 == pair.name || $0 == "{\(pair.name)}" || "{\($0)}" == pair.name } }
        }
        guard !pairs.isEmpty else { return }
        try await connection.send(.macros(for: stage.command, pairs))
    }

    private mutating func step(_ stage: MilterMacroStage, _ command: MilterCommand, _ envelope: MilterEnvelope,
                               skipped: MilterProtocolFlags, silent: MilterProtocolFlags) async throws {
        guard !negotiation.protocolFlags.contains(skipped) else { return }
        try await sendMacros(stage, envelope)
        _ = try await exchange(command, silent: negotiation.protocolFlags.contains(silent))
    }

    /// Sends a command and reads its reply (none when `silent`); a final verdict ends the conversation.
    private func exchange(_ command: MilterCommand, silent: Bool) async throws -> MilterReply {
        try await connection.send(command)
        guard !silent else { return .continue }
        while true {
            let reply = try MilterReply.decode(try await connection.nextPacket(timeout: timeouts.command), limits: limits)
            switch reply {
            case .continue, .skip: return reply
            case .progress: continue
            case .accept: throw Early.verdict(.accept([]))
            case .reject: throw Early.verdict(.reject)
            case .tempfail, .connectionFailure: throw Early.verdict(.tempfail)
            case .discard: throw Early.verdict(.discard)
            case .replyCode(let code, let text): throw Early.verdict(.reply(code: code, text: text))
            case .negotiate, .modification: throw MilterConnectionError.protocolError(.malformed("unexpected reply before end of message"))
            }
        }
    }

    /// SMFIC_BODYEOB: modifications, then the verdict; SMFIR_PROGRESS restarts the timeout.
    private func endOfMessage() async throws -> MilterVerdict {
        try await connection.send(.endOfMessage)
        var modifications: [MilterModification] = []
        var bodyOctets = 0
        while true {
            let reply = try MilterReply.decode(try await connection.nextPacket(timeout: timeouts.endOfMessage), limits: limits)
            switch reply {
            case .modification(let modification):
                if case .replaceBody(let chunk) = modification { bodyOctets += chunk.count }
                guard modifications.count < limits.maxModifications, bodyOctets <= limits.maxBodySize else {
                    throw MilterConnectionError.protocolError(.limitExceeded("modifications"))
                }
                try checkAllowed(modification)
                modifications.append(modification)
            case .progress: continue
            case .accept, .continue: return .accept(modifications)
            case .reject: return .reject
            case .tempfail, .connectionFailure: return .tempfail
            case .discard: return .discard
            case .replyCode(let code, let text): return .reply(code: code, text: text)
            case .skip, .negotiate: throw MilterConnectionError.protocolError(.malformed("unexpected reply at end of message"))
            }
        }
    }

    /// A filter may only use the actions it negotiated (libmilter refuses the same).
    private func checkAllowed(_ modification: MilterModification) throws {
        let needed: MilterActions
        switch modification {
        case .addHeader: needed = .addHeaders
        case .changeHeader, .insertHeader: needed = .changeHeaders
        case .replaceBody: needed = .changeBody
        case .quarantine: needed = .quarantine
        case .addRecipient(_, let parameters): needed = parameters == nil ? .addRecipient : .addRecipientWithParameters
        case .deleteRecipient: needed = .deleteRecipient
        case .changeFrom: needed = .changeFrom
        }
        guard negotiation.actions.contains(needed) || (needed == .addHeaders && negotiation.actions.contains(.changeHeaders)) else {
            throw MilterConnectionError.protocolError(.malformed("action not negotiated"))
        }
    }
}
