/// A configuration problem, with the file and line when it comes from a file, so an operator
/// can go straight to it: `hato.toml:12: unknown key "max_size" in [limits]`.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public let file: String?
    public let line: Int?
    public let column: Int?
    public let message: String

    public init(file: String?, line: Int?, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var location = ""
        if let file { location = file }
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return location.isEmpty ? message : "\(location): \(message)"
    }
}

/// Several problems found in one pass, so `hato config check` reports them all at once.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public let errors: [ConfigError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
