extension SMTPClientConnection {
    /// RSET (RFC 5321 §4.1.1.5) on a connection that sat idle between two batches, before it
    /// carries the next transaction: it clears any state the peer kept and proves the peer still
    /// listens. A peer that closed the connection meanwhile (its idle timeout, RFC 5321
    /// §4.5.3.2.7) or answers anything but 250 makes this throw and the connection is closed; the
    /// caller then opens a new one, having sent no part of a message on this one.
    public func reset() async throws {
        try claim()
        defer { state.withLockedValue { $0.busy = false } }
        do {
            let reply = try await command("RSET", stage: .reset)
            guard reply.code == 250 else { throw SMTPClientError.unexpectedReply(reply, stage: .reset) }
            state.withLockedValue { $0.needsReset = false }
        } catch {
            state.withLockedValue { $0.closed = true }
            await transport.close()
            throw error
        }
    }

    /// One command sequence at a time: marks the connection busy, or throws when it is closed
    /// or already carrying a transaction. The caller clears `busy` when it is done.
    func claim() throws {
        let refusal = state.withLockedValue { state -> SMTPClientError? in
            if state.closed { return .connectionUnusable }
            if state.busy { return .connectionBusy }
            state.busy = true
            return nil
        }
        if let refusal { throw refusal }
    }
}
