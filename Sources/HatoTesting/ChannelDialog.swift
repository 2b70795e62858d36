import NIOCore
import NIOEmbedded
import ServerRuntime

/// Drives one protocol session without a socket: the real `ProtocolServer` handlers on an
/// `NIOAsyncTestingChannel`, bytes in, replies out, and a clock that moves only when told
/// (`advanceTime`), so timeouts are tested without waiting for them.
///
/// Input can be fed whole, byte by byte, or in given splits: a decoder must give the same
/// dialog whatever the read boundaries (a CR and its LF in different reads included).
public final class ChannelDialog: @unchecked Sendable {
    public let channel: NIOAsyncTestingChannel
    /// Every byte the session wrote, in order.
    public private(set) var transcript = ""
    /// Where `expect` has read up to in `transcript`.
    private var consumed: String.Index

    /// Connects a session of `server` from `remoteIP` (a listener named `listener`).
    public init(_ server: some ProtocolServer, listener: String = "test", remoteIP: String = "127.0.0.1") async throws {
        let channel = NIOAsyncTestingChannel()
        let remote = try SocketAddress(ipAddress: remoteIP, port: 40000)
        let context = ConnectionContext(listener: listener, remoteAddress: remote,
                                        localAddress: try SocketAddress(ipAddress: "127.0.0.1", port: 25),
                                        implicitTLS: false, tls: nil)
        try await channel.eventLoop.submit { try server.initializeConnection(channel, context: context) }.get()
        try await channel.connect(to: remote).get()
        self.channel = channel
        self.consumed = transcript.startIndex
    }

    /// Sends `text` in one read.
    public func send(_ text: String) async throws {
        try await channel.writeInbound(channel.allocator.buffer(string: text))
    }

    /// Sends `text` one byte per read.
    public func drip(_ text: String) async throws {
        for byte in Array(text.utf8) {
            try await channel.writeInbound(channel.allocator.buffer(bytes: [byte]))
        }
    }

    /// Waits (in real time, the session may hop to other tasks) until the session has written
    /// `count` more lines, and returns them without their CRLF. The bound is a safety net, not
    /// an assertion: the full suite on 2 cores (SIGKILL, flood and 100 MB tests beside this one)
    /// once held a store write here for more than 10 s, so it is generous.
    public func lines(_ count: Int, within seconds: Double = 30) async throws -> [String] {
        var found: [String] = []
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while found.count < count {
            if let end = transcript[consumed...].range(of: "\r\n") {
                found.append(String(transcript[consumed..<end.lowerBound]))
                consumed = end.upperBound
                continue
            }
            guard ContinuousClock.now < deadline else { throw DialogError.noReply(expected: count, got: found, transcript: transcript) }
            try await collect()
        }
        return found
    }

    /// One more line.
    public func line(within seconds: Double = 30) async throws -> String {
        try await lines(1, within: seconds)[0]
    }

    /// Reads the next lines up to and including the first that `isLast` accepts (a multi-line
    /// SMTP reply, an IMAP tagged response, a POP3 dot line).
    public func until(_ isLast: (String) -> Bool, within seconds: Double = 30) async throws -> [String] {
        var out: [String] = []
        repeat { out.append(try await line(within: seconds)) } while !isLast(out.last!)
        return out
    }

    /// Moves the session's clock (timers fire; nothing else waits).
    public func advanceTime(by amount: TimeAmount) async {
        await channel.testingEventLoop.advanceTime(by: amount)
    }

    /// Whether the session has closed the connection.
    public var isClosed: Bool {
        get async { await !((try? channel.eventLoop.submit { self.channel.isActive }.get()) ?? false) }
    }

    /// Takes what the session wrote so far into `transcript`, waiting briefly for the first write.
    private func collect() async throws {
        // What the session queued on its loop from the loop itself (a step started on the loop's
        // task executor, `EventLoopTaskExecutor`) runs in a real loop's next turn; the testing
        // loop runs it only when told.
        await channel.testingEventLoop.run()
        while let buffer = try await channel.readOutbound(as: ByteBuffer.self) {
            transcript += String(buffer: buffer)
        }
        try await Task.sleep(for: .milliseconds(5))
    }

    public enum DialogError: Error, CustomStringConvertible {
        case noReply(expected: Int, got: [String], transcript: String)
        public var description: String {
            switch self {
            case .noReply(let expected, let got, let transcript):
                "expected \(expected) line(s), got \(got); session wrote: \(transcript.debugDescription)"
            }
        }
    }
}
