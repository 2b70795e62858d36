// The end of a message (SMFIC_BODYEOB): the filter's modifications, each checked against what
// it negotiated, then its verdict.

import MilterProtocol

extension MilterSteps {
    /// SMFIC_BODYEOB: modifications, then the verdict; SMFIR_PROGRESS restarts the timeout.
    func endOfMessage() async throws -> MilterVerdict {
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
