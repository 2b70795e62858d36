import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The real `hato` binary, run as a child process the way an operator would run it.
public enum HatoBinary {
    /// The `hato` executable built beside the test bundle (`swift build` builds it with the tests).
    public static var url: URL {
        get throws {
            var directory = Bundle.main.bundleURL
            for _ in 0..<3 {
                let candidate = directory.appendingPathComponent("hato")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                directory.deleteLastPathComponent()
            }
            throw ConformanceFailure("hato binary not found near \(Bundle.main.bundleURL.path); run `swift build` first")
        }
    }

    /// Runs `hato ARGS...` to completion and returns its exit status and output. Waits without
    /// blocking Swift's cooperative pool (servers under test in the same process keep running).
    public static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                           directory: URL? = nil, timeout: Duration = .seconds(120)) async throws -> (status: Int32, stdout: String, stderr: String) {
        let process = try ChildProcess(executable: try url, arguments: arguments, environment: environment, directory: directory)
        if let stdin { process.write(stdin) }
        process.closeInput()
        let status = await process.exit(timeout: timeout)
        return (status, process.output, process.errorOutput)
    }
}

/// A running `hato serve` (or any `hato` command) whose output can be read while it runs.
public typealias HatoProcess = ChildProcess

extension ChildProcess {
    /// The DNS answer wait `hato serve` gets in tests unless the test sets `HATO_DNS_TIMEOUT`
    /// itself. The suite runs dozens of servers, Python clients and test DNS servers at once on
    /// two cores, where an answer from the in-process test DNS server can wait seconds for CPU;
    /// with the 2 s default such lookups became temperrors and tests failed at random.
    public static let testDNSTimeout = "8"

    public convenience init(_ arguments: [String], environment: [String: String] = [:], directory: URL? = nil) throws {
        var environment = environment
        if arguments.first == "serve", environment["HATO_DNS_TIMEOUT"] == nil {
            environment["HATO_DNS_TIMEOUT"] = Self.testDNSTimeout
        }
        try self.init(executable: try HatoBinary.url, arguments: arguments, environment: environment, directory: directory)
    }
}

/// A running child process whose output can be read while it runs.
public final class ChildProcess: @unchecked Sendable {
    public let process: SpawnedProcess
    private let input: Int32
    private let inputClosed = Mutex(false)
    private let stdoutBuffer = LockedData()
    private let stderrBuffer = LockedData()
    /// Signalled by each output reader at end of file.
    private let outputDone = DispatchGroup()
    private let termination = Mutex(Termination.running([]))

    private enum Termination {
        case running([CheckedContinuation<Void, Never>])
        case exited
    }

    public init(executable: URL, arguments: [String], environment: [String: String] = [:], directory: URL? = nil) throws {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("HATO_") }
        for (key, value) in environment { env[key] = value }
        // A client that exits while we still write to it must not kill the test process.
        _ = Glibc.signal(SIGPIPE, SIG_IGN)
        let stdin = try Self.pipe(), stdout = try Self.pipe(), stderr = try Self.pipe()
        do {
            process = try SpawnedProcess(
                executable: executable.path, arguments: arguments, environment: env, directory: directory?.path,
                standardInput: stdin.read, standardOutput: stdout.write, standardError: stderr.write)
        } catch {
            for fd in [stdin.read, stdin.write, stdout.read, stdout.write, stderr.read, stderr.write] { close(fd) }
            throw error
        }
        for fd in [stdin.read, stdout.write, stderr.write] { close(fd) }
        input = stdin.write
        Self.collect(stdout.read, into: stdoutBuffer, group: outputDone)
        Self.collect(stderr.read, into: stderrBuffer, group: outputDone)
        process.whenExited { [weak self] in self?.exited() }
    }

    /// A pipe for the child's 0, 1 or 2. Other children never inherit its ends: each child
    /// closes every descriptor above 2 as a spawn action (`SpawnedProcess`).
    private static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard Glibc.pipe(&fds) == 0 else { throw ConformanceFailure("pipe: \(String(cString: strerror(errno)))") }
        return (fds[0], fds[1])
    }

    /// Reads `fd` to end of file on a thread of its own (reads block) and closes it.
    private static func collect(_ fd: Int32, into buffer: LockedData, group: DispatchGroup) {
        group.enter()
        Thread.detachNewThread {
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count > 0 { buffer.append(Data(chunk[..<count])); continue }
                if count < 0 && errno == EINTR { continue }
                break
            }
            close(fd)
            group.leave()
        }
    }

    /// Writes all of `text` to the child's standard input (blocking while the pipe is full);
    /// nothing once input is closed or the child has stopped reading it.
    public func write(_ text: String) {
        inputClosed.withLock { closed in
            guard !closed else { return }
            var bytes = Array(text.utf8)[...]
            while !bytes.isEmpty {
                let written = bytes.withUnsafeBytes { Glibc.write(input, $0.baseAddress, $0.count) }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                bytes = bytes.dropFirst(written)
            }
        }
    }

    public func closeInput() {
        inputClosed.withLock { closed in
            if !closed { close(input) }
            closed = true
        }
    }

    public var output: String { String(decoding: stdoutBuffer.data, as: UTF8.self) }
    public var errorOutput: String { String(decoding: stderrBuffer.data, as: UTF8.self) }
    public var outputLines: [String] { output.split(separator: "\n").map(String.init) }
    public var outputData: Data { stdoutBuffer.data }

    /// The next complete line of standard output at or after `offset` (then moved past it),
    /// waited for without blocking Swift's cooperative pool; nil once output has ended without
    /// one. For dialogs with a child over its standard input and output.
    public func nextLine(from offset: inout Int) async -> String? {
        while true {
            let ended = outputDone.wait(timeout: .now()) == .success
            let data = stdoutBuffer.data
            if offset < data.count, let newline = data[offset...].firstIndex(of: UInt8(ascii: "\n")) {
                defer { offset = newline + 1 }
                return String(decoding: data[offset..<newline], as: UTF8.self)
            }
            if ended { return nil }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits (without blocking Swift's cooperative pool) until `condition` holds on standard
    /// output and standard error; fails after `timeout` or when the process exits first.
    public func waitFor(timeout: Duration = .seconds(60), _ what: String, _ condition: @escaping (String, String) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition(output, errorOutput) {
            guard ContinuousClock.now < deadline, !hasExited || condition(output, errorOutput) else {
                throw ConformanceFailure("waiting for \(what); stdout: \(output)\nstderr: \(errorOutput)")
            }
            try await Task.sleep(for: .milliseconds(25))
        }
    }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for exit without blocking Swift's cooperative pool; kills the process (SIGKILL)
    /// after `timeout`. Returns the exit status (the signal number if it was killed), once the
    /// output pipes are drained.
    public func exit(timeout: Duration = .seconds(120)) async -> Int32 {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.terminated(); return true }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            if await group.next() == false { kill(process.processIdentifier, SIGKILL) }
            group.cancelAll()
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            // Draining reads until EOF, which can block: not on the cooperative pool.
            DispatchQueue.global().async {
                self.drain()
                continuation.resume()
            }
        }
        return process.terminationStatus
    }

    /// Same, with a timeout in seconds.
    public func exit(timeout: TimeInterval) async -> Int32 {
        await exit(timeout: .milliseconds(Int(timeout * 1000)))
    }

    public var hasExited: Bool { termination.withLock { if case .exited = $0 { true } else { false } } }

    /// Resumes once the process has exited.
    private func terminated() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = termination.withLock { state -> Bool in
                switch state {
                case .exited: return true
                case .running(var waiters):
                    waiters.append(continuation)
                    state = .running(waiters)
                    return false
                }
            }
            if done { continuation.resume() }
        }
    }

    private func exited() {
        let waiters = termination.withLock { state -> [CheckedContinuation<Void, Never>] in
            defer { state = .exited }
            if case .running(let waiters) = state { return waiters }
            return []
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits for exit and drains the pipes; returns the exit status. Blocks the calling thread:
    /// for synchronous code only, async code uses `exit(timeout:)`.
    @discardableResult
    public func wait() -> Int32 {
        process.waitUntilExit()
        drain()
        return process.terminationStatus
    }

    /// Waits until both output pipes reached end of file (every copy of their write ends, the
    /// child's and any grandchild's, is closed), then closes standard input.
    private func drain() {
        outputDone.wait()
        closeInput()
    }

    /// A test that fails half-way drops its process: kill it, so no server outlives its test
    /// holding ports and files the next run needs.
    deinit {
        closeInput()
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Output collected from a pipe's reader thread.
final class LockedData: Sendable {
    private let storage = Mutex(Data())
    func append(_ data: Data) { storage.withLock { $0.append(data) } }
    var data: Data { storage.withLock { $0 } }
}
