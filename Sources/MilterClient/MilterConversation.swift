// One message's conversation with one filter at once, in the order Postfix's milter8.c speaks
// it: OPTNEG, then CONNECT, HELO, MAIL, RCPT..., DATA, HEADER..., EOH, BODY..., EOB, QUIT. An
// SMTP session holds a `MilterSession` instead and speaks each step as its command comes.

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

    /// Runs the conversation for one message: every step in turn until one gives a verdict.
    public func run(_ envelope: MilterEnvelope) async throws(MilterConnectionError) -> MilterVerdict {
        let session = MilterSession(endpoint: endpoint, timeouts: timeouts, limits: limits, group: group)
        do {
            let verdict = try await Self.steps(envelope, session)
            await session.close()
            return verdict
        } catch {
            await session.close()
            throw error
        }
    }

    private static func steps(_ envelope: MilterEnvelope, _ session: MilterSession) async throws(MilterConnectionError) -> MilterVerdict {
        let macros = envelope.macros
        if let verdict = try await session.connect(hostname: envelope.clientHostname, address: envelope.clientAddress,
                                                   port: envelope.clientPort, macros: macros[.connect] ?? []) { return verdict }
        if let verdict = try await session.helo(envelope.helo, macros: macros[.helo] ?? []) { return verdict }
        if let verdict = try await session.mail(envelope.mailFrom, parameters: envelope.mailParameters,
                                                macros: macros[.mail] ?? []) { return verdict }
        for recipient in envelope.recipients {
            if let verdict = try await session.recipient(recipient, macros: macros[.recipient] ?? []) { return verdict }
        }
        return try await session.message(header: envelope.header, body: envelope.body, macros: macros)
    }
}
