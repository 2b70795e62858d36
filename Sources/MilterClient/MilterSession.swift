// A conversation with one filter that lasts as long as an SMTP session, as Postfix's milter8.c
// holds it: OPTNEG and CONNECT when the client connects, HELO, then per message MAIL, RCPT...,
// DATA, HEADER..., EOH, BODY..., EOB, and ABORT before the next MAIL when a message was left
// unfinished, QUIT at the end. Each step is preceded by its SMFIC_MACRO, skipped when the
// filter declined it in negotiation, and not waited on when the filter said it will not reply.

import MilterProtocol
import NIOCore

/// One filter's conversation for one SMTP session. A step returns nil to go on, or the
/// filter's verdict (`SMFIR_ACCEPT` before the end is `.accept([])`).
public actor MilterSession {
    public let endpoint: MilterEndpoint
    public let timeouts: MilterTimeouts
    public let limits: MilterLimits
    public let group: any EventLoopGroup
    private var steps: MilterSteps?
    private var closed = false
    /// MAIL was sent and neither EOB nor ABORT has ended that message yet.
    private var messageOpen = false

    public init(endpoint: MilterEndpoint, timeouts: MilterTimeouts, limits: MilterLimits, group: any EventLoopGroup) {
        self.endpoint = endpoint
        self.timeouts = timeouts
        self.limits = limits
        self.group = group
    }

    /// Connects, negotiates (SMFIC_OPTNEG) and tells the filter who connected (SMFIC_CONNECT).
    public func connect(hostname: String, address: String, port: UInt16,
                        macros: [(name: String, value: String)]) async throws(MilterConnectionError) -> MilterVerdict? {
        guard !closed, steps == nil else { throw .closed }
        let connection = try await MilterConnection.connect(to: endpoint, group: group, timeout: timeouts.connect,
                                                            maxPacketSize: limits.maxPacketSize)
        var opened = MilterSteps(connection: connection, timeouts: timeouts, limits: limits)
        do {
            try await opened.negotiate()
        } catch {
            connection.close()
            throw error
        }
        guard !closed else { connection.close(); throw .closed }
        steps = opened
        let family: MilterAddressFamily = address.isEmpty ? .unknown : address.contains(":") ? .inet6 : .inet
        return try await open().step(.connect, .connect(hostname: hostname, family: family, port: port, address: address),
                                     macros: macros, skipped: .noConnect, silent: .noReplyConnect)
    }

    public func helo(_ name: String, macros: [(name: String, value: String)]) async throws(MilterConnectionError) -> MilterVerdict? {
        try await open().step(.helo, .helo(name), macros: macros, skipped: .noHelo, silent: .noReplyHelo)
    }

    /// SMFIC_MAIL starts a message; one left unfinished is ended with SMFIC_ABORT first.
    public func mail(_ from: String, parameters: [String],
                     macros: [(name: String, value: String)]) async throws(MilterConnectionError) -> MilterVerdict? {
        let steps = try open()
        if messageOpen { try await steps.send(.abort) }
        messageOpen = true
        return try await steps.step(.mail, .mail(from, parameters: parameters), macros: macros, skipped: .noMail, silent: .noReplyMail)
    }

    public func recipient(_ to: String, macros: [(name: String, value: String)]) async throws(MilterConnectionError) -> MilterVerdict? {
        try await open().step(.recipient, .recipient(to, parameters: []), macros: macros, skipped: .noRecipient, silent: .noReplyRecipient)
    }

    /// DATA, the header fields, EOH, the body and EOB: the verdict with the filter's modifications.
    public func message(header: [(name: String, value: String)], body: ArraySlice<UInt8>,
                        macros: [MilterMacroStage: [(name: String, value: String)]]) async throws(MilterConnectionError) -> MilterVerdict {
        let steps = try open()
        defer { messageOpen = false }
        return try await steps.message(header: header, body: body, macros: macros)
    }

    /// Ends a message the filter answered early (SMFIC_ABORT), so the next MAIL starts clean.
    public func endMessage() async {
        guard messageOpen, let steps, !closed else { return }
        messageOpen = false
        try? await steps.send(.abort)
    }

    /// SMFIC_QUIT and the connection closed; later steps throw `.closed`.
    public func close() async {
        guard !closed else { return }
        closed = true
        guard let steps else { return }
        self.steps = nil
        try? await steps.send(.quit)
        steps.connection.close()
    }

    private func open() throws(MilterConnectionError) -> MilterSteps {
        guard !closed, let steps else { throw .closed }
        return steps
    }
}

/// The steps of one conversation over an open connection.
struct MilterSteps: Sendable {
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

    mutating func negotiate() async throws(MilterConnectionError) {
        let reply = try await typed {
            try await connection.send(.negotiate(version: milterProtocolVersion, actions: MilterConversation.offeredActions,
                                                 protocolFlags: MilterConversation.offeredProtocolFlags))
            return try MilterReply.decode(try await connection.nextPacket(timeout: timeouts.command), limits: limits)
        }
        guard case .negotiate(let answer) = reply else { throw .protocolError(.malformed("no option negotiation")) }
        // A filter may speak an older version (2 or more). What it asks for beyond the offer is
        // masked, as Postfix does; using a masked action later is a protocol error.
        guard answer.version >= 2 else { throw .protocolError(.malformed("version \(answer.version)")) }
        negotiation = answer
        negotiation.actions.formIntersection(MilterConversation.offeredActions)
        negotiation.protocolFlags.formIntersection(MilterConversation.offeredProtocolFlags)
    }

    func send(_ command: MilterCommand) async throws(MilterConnectionError) {
        try await typed { try await connection.send(command) }
    }

    /// One step before the message: its macros, the command and the reply; nil to go on.
    func step(_ stage: MilterMacroStage, _ command: MilterCommand, macros: [(name: String, value: String)],
              skipped: MilterProtocolFlags, silent: MilterProtocolFlags) async throws(MilterConnectionError) -> MilterVerdict? {
        guard !negotiation.protocolFlags.contains(skipped) else { return nil }
        return try await early {
            try await sendMacros(stage, macros)
            _ = try await exchange(command, silent: negotiation.protocolFlags.contains(silent))
            return nil
        }
    }

    func message(header: [(name: String, value: String)], body: ArraySlice<UInt8>,
                 macros: [MilterMacroStage: [(name: String, value: String)]]) async throws(MilterConnectionError) -> MilterVerdict {
        let flags = negotiation.protocolFlags
        let verdict = try await early { () async throws -> MilterVerdict? in
            if !flags.contains(.noData) {
                try await sendMacros(.data, macros[.data] ?? [])
                _ = try await exchange(.data, silent: flags.contains(.noReplyData))
            }
            if !flags.contains(.noHeaders) {
                for field in header {
                    let value = flags.contains(.headerLeadingSpace) ? " " + field.value : field.value
                    if try await exchange(.header(name: field.name, value: value), silent: flags.contains(.noReplyHeader)) == .skip { break }
                }
            }
            if !flags.contains(.noEndOfHeader) {
                try await sendMacros(.endOfHeader, macros[.endOfHeader] ?? [])
                _ = try await exchange(.endOfHeader, silent: flags.contains(.noReplyEndOfHeader))
            }
            if !flags.contains(.noBody) {
                var offset = body.startIndex
                while offset < body.endIndex {
                    let end = min(offset + limits.bodyChunkSize, body.endIndex)
                    if try await exchange(.body(Array(body[offset..<end])), silent: flags.contains(.noReplyBody)) == .skip { break }
                    offset = end
                }
            }
            try await sendMacros(.endOfMessage, macros[.endOfMessage] ?? [])
            return try await endOfMessage()
        }
        return verdict ?? .accept([])
    }

    /// Runs `body`, turning an early verdict into a result and any other error into a connection error.
    private func early(_ body: () async throws -> MilterVerdict?) async throws(MilterConnectionError) -> MilterVerdict? {
        do {
            return try await body()
        } catch Early.verdict(let verdict) {
            return verdict
        } catch let error as MilterConnectionError {
            throw error
        } catch {
            throw .closed
        }
    }

    private func typed<T>(_ body: () async throws -> T) async throws(MilterConnectionError) -> T {
        do { return try await body() } catch let error as MilterConnectionError { throw error } catch { throw .closed }
    }

    private func sendMacros(_ stage: MilterMacroStage, _ macros: [(name: String, value: String)]) async throws {
        var pairs = macros
        // An empty list (purepythonmilter sends one per stage) leaves the defaults.
        if let wanted = negotiation.macroLists[stage], !wanted.isEmpty {
            pairs = pairs.filter { pair in wanted.contains { $0 == pair.name || $0 == "{\(pair.name)}" || "{\($0)}" == pair.name } }
        }
        guard !pairs.isEmpty else { return }
        try await connection.send(.macros(for: stage.command, pairs))
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
}
