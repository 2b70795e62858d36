import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, for the test helpers (`ChildProcess`).
///
/// Not Foundation's `Process`: on Linux its `run()` lists `/proc/self/fd` with a `readdir` loop
/// that copies the whole 256-octet `d_name` of each entry, reading past glibc's buffer; with the
/// thousands of descriptors the suite's connection tests hold open it crashed the test process
/// with SIGSEGV in `memcpy` (swift-corelibs-foundation PR 5472, not in the toolchain we use). Here
/// the child closes every inherited descriptor above 2 itself (`closefrom` as a spawn action,
/// glibc 2.34+), so no client can hold a copy of a server socket open.
public final class SpawnedProcess: @unchecked Sendable {
    public let processIdentifier: pid_t
    private let state = NSCondition()
    private var status: Int32?
    private var exitHandlers: [@Sendable () -> Void] = []

    /// Starts `executable` with its standard input, output and error on the given descriptors
    /// (the caller closes its copies of the child's ends afterwards).
    init(executable: String, arguments: [String], environment: [String: String], directory: String?,
         standardInput: Int32, standardOutput: Int32, standardError: Int32) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (from, to) in [(standardInput, 0), (standardOutput, 1), (standardError, 2)] {
            try Self.check(posix_spawn_file_actions_adddup2(&actions, from, Int32(to)), "dup2")
        }
        try Self.check(Self.addCloseFrom(&actions, 3), "closefrom")
        if let directory { try Self.check(Self.addChdir(&actions, directory), "chdir") }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, as Foundation's Process does: a terminal's signals to the test
        // runner do not reach the servers and clients it started.
        try Self.check(posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP)), "setflags")

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid = pid_t()
        try Self.check(posix_spawn(&pid, executable, &actions, &attributes, argv, envp), "posix_spawn \(executable)")
        processIdentifier = pid
        let child = pid
        // Reaps the child the moment it exits; blocking, so on its own thread.
        Thread.detachNewThread { [self] in
            var raw: Int32 = 0
            while waitpid(child, &raw, 0) == -1 && errno == EINTR {}
            let exitStatus = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : raw & 0x7f  // WEXITSTATUS / WTERMSIG
            state.lock()
            status = exitStatus
            let handlers = exitHandlers
            exitHandlers = []
            state.broadcast()
            state.unlock()
            for handler in handlers { handler() }
        }
    }

    /// Calls `handler` once the child has exited: at once if it already has, else on the
    /// reaping thread.
    func whenExited(_ handler: @escaping @Sendable () -> Void) {
        state.lock()
        guard status == nil else {
            state.unlock()
            return handler()
        }
        exitHandlers.append(handler)
        state.unlock()
    }

    public var isRunning: Bool {
        state.lock()
        defer { state.unlock() }
        return status == nil
    }

    /// The exit status, or the number of the signal that ended the process; 0 while it runs.
    public var terminationStatus: Int32 {
        state.lock()
        defer { state.unlock() }
        return status ?? 0
    }

    /// Blocks the calling thread until the child has exited.
    public func waitUntilExit() {
        state.lock()
        while status == nil { state.wait() }
        state.unlock()
    }

    public func terminate() { kill(processIdentifier, SIGTERM) }

    private static func check(_ result: Int32, _ what: String) throws {
        guard result == 0 else { throw ConformanceFailure("\(what) failed: \(String(cString: strerror(result)))") }
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34) and `_addchdir_np` (2.29), looked
    /// up at run time: they are GNU extensions the Glibc module does not export without
    /// `_GNU_SOURCE`.
    private static func addCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32 {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return ENOSYS }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)(actions, from)
    }

    private static func addChdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: String) -> Int32 {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np") else { return ENOSYS }
        return path.withCString { unsafeBitCast(symbol, to: AddChdir.self)(actions, $0) }
    }
}
