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

    /// Runs `hato ARGS...` to completion and returns its exit status and output.
    public static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                           directory: URL? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = try ChildProcess(executable: try url, arguments: arguments, environment: environment, directory: directory)
        if let stdin { process.write(stdin) }
        process.closeInput()
        let status = process.wait()
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
        try process.run()
    }

    public func write(_ text: String) { input.fileHandleForWriting.write(Data(text.utf8)) }
    public func closeInput() { try? input.fileHandleForWriting.close() }

    public var output: String { String(decoding: stdoutBuffer.data, as: UTF8.self) }
    public var errorOutput: String { String(decoding: stderrBuffer.data, as: UTF8.self) }
    public var outputLines: [String] { output.split(separator: "\n").map(String.init) }

    /// Waits until standard output satisfies `condition`, or fails after `timeout` seconds.
    public func waitForOutput(timeout: TimeInterval = 30, _ condition: (String) -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition(output) {
            guard Date() < deadline else {
                throw ConformanceFailure("timed out waiting for output; stdout: \(output)\nstderr: \(errorOutput)")
            }
            guard process.isRunning || condition(output) else {
                Thread.sleep(forTimeInterval: 0.1)
                if condition(output) { return }
                throw ConformanceFailure("process exited (\(process.terminationStatus)); stdout: \(output)\nstderr: \(errorOutput)")
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for exit without blocking Swift's cooperative pool; terminates the process after
    /// `timeout` seconds. Returns the exit status.
    public func exit(timeout: TimeInterval = 120) async -> Int32 {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let deadline = Date().addingTimeInterval(timeout)
                while self.process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
                if self.process.isRunning { self.process.terminate() }
                continuation.resume(returning: self.wait())
            }
        }
    }

    /// Waits for exit and drains the pipes; returns the exit status.
    @discardableResult
    public func wait() -> Int32 {
        process.waitUntilExit()
        stdoutPipe.fileHandleForReading.readabilityHandler = nil
        stderrPipe.fileHandleForReading.readabilityHandler = nil
        let restOut = stdoutPipe.fileHandleForReading.readDataToEndOfFile()
        let restErr = stderrPipe.fileHandleForReading.readDataToEndOfFile()
        stdoutBuffer.append(restOut)
        stderrBuffer.append(restErr)
        return process.terminationStatus
    }
}

/// Output collected from a pipe's reader thread.
final class LockedData: Sendable {
    private let storage = Mutex(Data())
    func append(_ data: Data) { storage.withLock { $0.append(data) } }
    var data: Data { storage.withLock { $0 } }
}
