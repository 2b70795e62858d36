/// Where in a script something is: 1-based line and column (columns count Unicode scalars).
public struct SievePosition: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

/// A script that cannot be compiled: what is wrong and where, as `hato sieve check` prints it.
public struct SieveCompileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var position: SievePosition
    public var message: String

    public init(_ message: String, at position: SievePosition) {
        self.message = message
        self.position = position
    }

    public var description: String { "line \(position.line), column \(position.column): \(message)" }
}

/// A script that failed while it ran (RFC 5228 §2.10.6: the implicit keep then files the message).
public enum SieveRuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The run took more than `SieveLimits.maxInstructions` steps.
    case instructionLimit(Int)
    /// More redirects than `SieveLimits.maxRedirects`.
    case tooManyRedirects(Int)
    /// RFC 5228 §4.1 / RFC 5429 §2.1: reject may not be combined with keep, fileinto or redirect.
    case conflictingActions(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .instructionLimit(let n): "instruction limit (\(n)) exceeded"
        case .tooManyRedirects(let n): "more than \(n) redirects"
        case .conflictingActions(let what): "conflicting actions: \(what)"
        case .invalid(let what): what
        }
    }
}
