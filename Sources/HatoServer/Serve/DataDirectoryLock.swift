import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory lock on `data_dir/hato.lock` (flock(2)) that tells `hato store check` whether a
/// server is using the data directory. `hato serve` holds it shared for its whole life (several
/// servers may share a directory, as the admin commands do); `hato store check` takes it
/// exclusive and refuses to run when it cannot, since a body being written by a running server
/// looks exactly like an orphan. The kernel drops the lock when the process ends, SIGKILL
/// included, so a crashed server never leaves the directory locked. The file itself is never
/// removed (removing a lock file races with the next locker).
public final class DataDirectoryLock: Sendable {
    private let descriptor: Int32
    public let path: String

    public enum Mode: Sendable { case server, exclusive }

    /// Why the lock could not be taken; `description` says what to do.
    public struct Busy: Error, CustomStringConvertible {
        public let mode: Mode
        public let path: String
        public var description: String {
            switch mode {
            case .server: "\(path) is held by `hato store check`; start the server when it has finished"
            case .exclusive: "the data directory is in use by a running `hato serve` (\(path) is locked); stop the server first"
            }
        }
    }

    /// Takes the lock without waiting; throws `Busy` when the other side holds it.
    public init(dataDirectory: URL, mode: Mode) throws {
        path = dataDirectory.appendingPathComponent("hato.lock").path
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw ConfigError(file: nil, line: nil, message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, (mode == .server ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0 else {
            let failure = errno
            close(descriptor)
            if failure == EWOULDBLOCK { throw Busy(mode: mode, path: path) }
            throw ConfigError(file: nil, line: nil, message: "cannot lock \(path): \(String(cString: strerror(failure)))")
        }
    }

    deinit { close(descriptor) }
}
