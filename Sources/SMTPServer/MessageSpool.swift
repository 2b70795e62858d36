#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif
import NIOCore

/// Where message content goes once it outgrows memory (`limits.spool_threshold`,
/// `<data>/spool`). Without it a session holds up to `limits.max_message_size` in memory, so
/// 200 clients sending 25 MB each would need 5 GB; with it each holds at most the threshold
/// plus one read, and the rest waits on disk until `MessageProcessingGate` lets it be processed.
public struct MessageSpoolPolicy: Sendable {
    /// A directory on the data disk, made at start (mode 0700).
    public var directory: String
    /// Octets of a message kept in memory; past this the content goes to an unnamed file.
    public var threshold: Int
    /// Octets gathered in memory between writes to the file once spooled.
    public var writeChunk: Int

    public init(directory: String, threshold: Int = 256 * 1_024, writeChunk: Int = 64 * 1_024) {
        self.directory = directory
        self.threshold = threshold
        self.writeChunk = writeChunk
    }
}

/// Why the content could not be spooled (the client hears 452 4.3.1, RFC 3463 "Mail system full").
public struct MessageSpoolError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let errno: Int32
    public var description: String { "\(operation): \(String(cString: strerror(errno)))" }
}

/// An unnamed file holding the content of one message: created with mkstemp and unlinked at
/// once, so nothing is left behind whatever happens to the process (a crash, SIGKILL); the
/// descriptor is closed when the last reference goes. Writes are plain blocking writes of
/// `writeChunk` octets into the page cache (what Postfix's cleanup does too); nothing is fsynced,
/// since the message is acknowledged only after the store has made its own copy durable.
///
/// `@unchecked Sendable`: the session writes it while the message arrives and hands it to the
/// delivery step with the transaction; it never touches it again after that (the transaction
/// is gone), so at no time do two tasks use it.
public final class SpoolFile: @unchecked Sendable {
    private let descriptor: Int32
    /// Octets written so far.
    public private(set) var size = 0

    public init(directory: String) throws {
        var template = Array("\(directory)/hato-spool-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw MessageSpoolError(operation: "mkstemp \(directory)", errno: errno) }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if unlink(path) != 0 {
            let error = errno
            close(fd)
            throw MessageSpoolError(operation: "unlink \(path)", errno: error)
        }
        descriptor = fd
    }

    deinit { close(descriptor) }

    public func append(_ buffer: ByteBuffer) throws {
        try buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw MessageSpoolError(operation: "write", errno: errno)
                }
                offset += written
            }
        }
        size += buffer.readableBytes
    }

    /// The whole content, read back for processing (a message is parsed once, in memory, under
    /// `MessageProcessingGate`).
    public func readAll() throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        var offset = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while offset < size {
                let read = pread(descriptor, buffer.baseAddress! + offset, size - offset, off_t(offset))
                if read < 0 {
                    if errno == EINTR { continue }
                    throw MessageSpoolError(operation: "read", errno: errno)
                }
                if read == 0 { throw MessageSpoolError(operation: "read (file shorter than written)", errno: EIO) }
                offset += read
            }
        }
        return bytes
    }
}
