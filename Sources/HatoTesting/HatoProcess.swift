import Foundation
import Synchronization

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
    public convenience init(_ arguments: [String], environment: [String: String] = [:], directory: URL? = nil) throws {
        try self.init(executable: try HatoBinary.url, arguments: arguments, environment: environment, directory: directory)
    }
}

/// A running child process whose output can be read while it runs.
public final class ChildProcess: @unchecked Sendable {
    public let process = Process()
    private let input = Pipe()
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()
    private let stdoutBuffer = LockedData()
    private let stderrBuffer = LockedData()
    private let termination = Mutex(Termination.running([]))

    private enum Termination {
        case running([CheckedContinuation<Void, Never>])
        case exited
    }

    public init(executable: URL, arguments: [String], environment: [String: String] = [:], directory: URL? = nil) throws {
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("HATO_") }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let directory { process.currentDirectoryURL = directory }
        process.standardInput = input
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        let out = stdoutBuffer, err = stderrBuffer
        stdoutPipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            out.append(data)
        }
        stderrPipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            err.append(data)
        }
        process.terminationHandler = { [weak self] _ in self?.exited() }
        try process.run()
    }

    public func write(_ text: String) { input.fileHandleForWriting.write(Data(text.utf8)) }
    public func closeInput() { try? input.fileHandleForWriting.close() }

    public var output: String { String(decoding: stdoutBuffer.data, as: UTF8.self) }
    public var errorOutput: String { String(decoding: stderrBuffer.data, as: UTF8.self) }
    public var outputLines: [String] { output.split(separator: "\n").map(String.init) }

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

    /// Resumes once the process has exited (Process.terminationHandler).
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

    private func drain() {
        stdoutPipe.fileHandleForReading.readabilityHandler = nil
        stderrPipe.fileHandleForReading.readabilityHandler = nil
        let restOut = stdoutPipe.fileHandleForReading.readDataToEndOfFile()
        let restErr = stderrPipe.fileHandleForReading.readDataToEndOfFile()
        stdoutBuffer.append(restOut)
        stderrBuffer.append(restErr)
    }
}

/// Output collected from a pipe's reader thread.
final class LockedData: Sendable {
    private let storage = Mutex(Data())
    func append(_ data: Data) { storage.withLock { $0.append(data) } }
    var data: Data { storage.withLock { $0 } }
}
