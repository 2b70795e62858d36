import Foundation

/// A directory under the system temp dir, removed when the value is released.
public final class TemporaryDirectory: Sendable {
    public let url: URL

    public init(prefix: String = "hato-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public var path: String { url.path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A failed expectation in a shared conformance suite (usable from any test framework).
public struct ConformanceFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String, file: StaticString = #file, line: UInt = #line) {
        self.description = "\(description) (\(file):\(line))"
    }
}

public func require(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #file, line: UInt = #line) throws {
    if !condition { throw ConformanceFailure(message(), file: file, line: line) }
}

public func requireThrows<E: Error & Equatable>(
    _ expected: E, file: StaticString = #file, line: UInt = #line, _ body: () async throws -> Void
) async throws {
    do {
        try await body()
    } catch let error as E {
        try require(error == expected, "expected \(expected), got \(error)", file: file, line: line)
        return
    } catch {
        throw ConformanceFailure("expected \(expected), got \(error)", file: file, line: line)
    }
    throw ConformanceFailure("expected \(expected), nothing was thrown", file: file, line: line)
}
