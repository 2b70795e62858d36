import NIOCore

extension Channel {
    /// Ends a session after its last reply (SMTP 421/221, IMAP `* BYE`, POP3 `+OK`/`-ERR`) so the
    /// client can read that reply: first our side's FIN after every pending write
    /// (`shutdown(SHUT_WR)`), then the whole connection when the client closes or after
    /// `linger`. Closing at once while the client's input is still unread makes the kernel send
    /// RST instead of FIN, and an RST can destroy the reply before the client reads it (a client
    /// still sending when a deadline ends the session then sees the connection reset instead of
    /// "421 4.4.2 timeout"). Anything the client sends meanwhile is read and dropped by the
    /// session, which has marked itself closed.
    public func closeAfterLastReply(linger: TimeAmount = .seconds(2)) {
        let channel = self
        channel.close(mode: .output).whenComplete { result in
            guard case .success = result else { return channel.close(promise: nil) }
            channel.eventLoop.scheduleTask(in: linger) { channel.close(promise: nil) }
        }
    }
}
