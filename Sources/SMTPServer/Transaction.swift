import MailStore
import NIOCore
import Reception

/// One mail transaction (RFC 5321 §3.3) as the session holds it: what the reception stages see,
/// plus the message bytes as they arrive.
struct Transaction {
    var reception: ReceptionTransaction
    /// The message as received so far (DATA content or BDAT chunks).
    var message = MessageBuffer()
    /// BDAT: the chunks so far exceed the size limit; the rest is read and discarded.
    var tooLarge = false
    /// A BDAT chunk was accepted: DATA may no longer be used in this transaction (RFC 3030 §2).
    var usedBDAT = false
    /// Octets of `message` already searched for the end of the header section; nil once it
    /// was found (and the header phase ran), the search gave up, or the content went to disk.
    var headerScan: Int? = 0

    init(_ reception: ReceptionTransaction) {
        self.reception = reception
    }
}

/// The content of the message being received: in memory up to the spool threshold, then in an
/// unnamed file (`SpoolFile`) with at most `writeChunk` octets waiting in memory.
struct MessageBuffer {
    /// All of the content while it is small; once spooled, what has not been written yet.
    private(set) var memory = ByteBuffer()
    private(set) var spool: SpoolFile?
    /// Octets received (kept or spooled).
    private(set) var count = 0
    /// Spooling failed: the rest is read and dropped, and the client hears 452 4.3.1 at the end.
    private(set) var failure: MessageSpoolError?

    var isSpooled: Bool { spool != nil }

    mutating func append(_ piece: inout ByteBuffer) {
        count += piece.readableBytes
        guard failure == nil else {
            piece.moveReaderIndex(forwardBy: piece.readableBytes)
            return
        }
        memory.writeBuffer(&piece)
    }

    /// Moves the content to disk once it passes the threshold, and what gathered since to the
    /// file once it reaches a write's worth.
    mutating func spillIfNeeded(_ policy: MessageSpoolPolicy?) {
        guard let policy, failure == nil else { return }
        if spool == nil {
            guard memory.readableBytes > policy.threshold else { return }
            do {
                spool = try SpoolFile(directory: policy.directory)
            } catch {
                fail(error)
                return
            }
            flush()
            // The buffer grew to the threshold; start again small.
            memory = ByteBuffer()
        } else if memory.readableBytes >= policy.writeChunk {
            flush()
        }
    }

    /// The whole content for processing; nil with `failure` set when spooling failed.
    mutating func finish() -> ReceivedContent? {
        if spool != nil { flush() }
        if failure != nil { return nil }
        if let spool { return .spooled(spool) }
        return .memory(memory.readBytes(length: memory.readableBytes) ?? [])
    }

    private mutating func flush() {
        guard let spool, memory.readableBytes > 0 else { return }
        do {
            try spool.append(memory)
            memory.clear()
        } catch {
            fail(error)
        }
    }

    private mutating func fail(_ error: any Error) {
        failure = error as? MessageSpoolError ?? MessageSpoolError(operation: "\(error)", errno: 0)
        memory = ByteBuffer()
        spool = nil
    }
}

/// A received message on its way to processing.
enum ReceivedContent: Sendable {
    case memory([UInt8])
    case spooled(SpoolFile)

    var count: Int {
        switch self {
        case .memory(let bytes): bytes.count
        case .spooled(let file): file.size
        }
    }

    /// The bytes, in memory (read back from the file when spooled, off the cooperative pool:
    /// docs/architecture.md "Store reads from async code").
    func load() async throws -> [UInt8] {
        switch self {
        case .memory(let bytes): bytes
        case .spooled(let file): try await BlockingIO.run { try file.readAll() }
        }
    }
}
