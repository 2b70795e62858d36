import Foundation
import TOMLKit

/// Where an effective value came from; `hato config check` prints it beside each key.
public enum ConfigSource: Sendable, Equatable, CustomStringConvertible {
    case file(line: Int)
    case environment(String)
    case defaultValue

    public var description: String {
        switch self {
        case .file(let line): "file, line \(line)"
        case .environment(let name): "environment \(name)"
        case .defaultValue: "default"
        }
    }
}

/// The configuration as loaded: every key's value and source, plus the typed settings.
public struct LoadedConfig: Sendable {
    public let file: String?
    public let values: [String: (value: ConfigValue, source: ConfigSource)]
    public let settings: HatoConfig
}

/// Reads `hato.toml`, applies `HATO_*` environment overrides, checks every key and value.
///
/// Order of precedence: environment, then file, then defaults. With no file at all the embedded
/// development defaults apply (loopback listeners on 2xxx ports, data in ./hato-data).
public enum ConfigLoader {
    /// Environment variables that are not configuration keys but are allowed to be set.
    /// HATO_STORE_PASSWORD is the database password (`[store]`, docs/scaling.md): a secret, never a file value.
    public static let reservedEnvironment: Set<String> = ["HATO_CONFIG", "HATO_STORE_PASSWORD"]

    public static func load(file path: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> LoadedConfig {
        var errors: [ConfigError] = []
        var values: [String: (value: ConfigValue, source: ConfigSource)] = [:]
        let development = path == nil
        if let path {
            let source: String
            do {
                source = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ConfigErrors(errors: [ConfigError(file: path, line: nil, message: "cannot read: \(error.localizedDescription)")])
            }
            values = try readFile(source: source, path: path, errors: &errors)
        }
        for (name, text) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("HATO_") {
            guard !reservedEnvironment.contains(name) else { continue }
            guard let key = ConfigSchema.keys.first(where: { $0.environmentName == name }) else {
                errors.append(ConfigError(file: nil, line: nil, message: "unknown environment variable \(name)"))
                continue
            }
            switch parseEnvironment(text, kind: key.kind) {
            case .success(let value): values[key.path] = (value, .environment(name))
            case .failure(let why): errors.append(ConfigError(file: nil, line: nil, message: "\(name): \(why)"))
            }
        }
        for key in ConfigSchema.keys where values[key.path] == nil {
            if let value = development ? key.developmentDefault : key.fileDefault { values[key.path] = (value, .defaultValue) }
        }
        guard errors.isEmpty else {
            throw ConfigErrors(errors: errors.sorted { ($0.file == nil ? 0 : 1, $0.line ?? 0) < ($1.file == nil ? 0 : 1, $1.line ?? 0) })
        }
        let baseDirectory = path.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }
        do {
            let settings = try HatoConfig(values: values.mapValues(\.value), baseDirectory: baseDirectory, isDevelopment: development)
            return LoadedConfig(file: path, values: values, settings: settings)
        } catch let error as ConfigKeyError {
            let source = values[error.path]?.source
            if case .file(let line) = source {
                throw ConfigErrors(errors: [ConfigError(file: path, line: line, message: "\(error.path): \(error.message)")])
            }
            let origin = source.map { " (from \($0))" } ?? ""
            throw ConfigErrors(errors: [ConfigError(file: nil, line: nil, message: "\(error.path)\(origin): \(error.message)")])
        }
    }

    static func readFile(source: String, path: String, errors: inout [ConfigError]) throws -> [String: (value: ConfigValue, source: ConfigSource)] {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: source)
        } catch let error as TOMLParseError {
            throw ConfigErrors(errors: [ConfigError(
                file: path, line: error.source.begin.line, column: error.source.begin.column, message: error.description)])
        }
        let index = TOMLLineIndex(source: source)
        var values: [String: (value: ConfigValue, source: ConfigSource)] = [:]
        func visit(_ table: TOMLTable, prefix: String) {
            for name in table.keys.sorted() {
                guard let node = table[name] else { continue }
                let keyPath = prefix.isEmpty ? name : prefix + "." + name
                let line = index.line(of: keyPath)
                if prefix.isEmpty, ConfigSchema.sections.contains(keyPath) {
                    guard let sub = node.table else {
                        errors.append(ConfigError(file: path, line: line, message: "\(keyPath) must be a table ([\(keyPath)])"))
                        continue
                    }
                    visit(sub, prefix: keyPath)
                    continue
                }
                guard let key = ConfigSchema.key(keyPath) else {
                    let place = prefix.isEmpty ? "at the top level" : "in [\(prefix)]"
                    let known = ConfigSchema.keys.filter { $0.section == (prefix.isEmpty ? nil : prefix) }.map(\.name)
                        + (prefix.isEmpty ? ConfigSchema.sections.map { "[\($0)]" } : [])
                    errors.append(ConfigError(
                        file: path, line: line, message: "unknown key \"\(name)\" \(place) (known: \(known.joined(separator: ", ")))"))
                    continue
                }
                switch parseNode(node, kind: key.kind) {
                case .success(let value): values[keyPath] = (value, .file(line: line ?? 0))
                case .failure(let why): errors.append(ConfigError(file: path, line: line, message: "\(keyPath): \(why)"))
                }
            }
        }
        visit(table, prefix: "")
        return values
    }

    static func parseNode(_ node: any TOMLValueConvertible, kind: ConfigKind) -> Result<ConfigValue, ConfigParseFailure> {
        switch kind {
        case .string, .path, .logLevel, .choice:
            guard let text = node.string else { return .failure(.init("expected a string, found \(node.type)")) }
            return check(.string(text), kind: kind)
        case .integer:
            guard let number = node.int else { return .failure(.init("expected an integer, found \(node.type)")) }
            return check(.int(number), kind: kind)
        case .boolean:
            guard let value = node.bool else { return .failure(.init("expected true or false, found \(node.type)")) }
            return .success(.bool(value))
        case .size, .duration:
            if let number = node.int { return check(.int(number), kind: kind) }
            if let text = node.string { return parseEnvironment(text, kind: kind) }
            return .failure(.init("expected \(kind.typeName), found \(node.type)"))
        case .tableList(let fields, let required):
            guard let array = node.array else { return .failure(.init("expected \(kind.typeName), found \(node.type)")) }
            var entries: [[String: String]] = []
            for (index, element) in array.enumerated() {
                guard let table = element.table else { return .failure(.init("entry \(index + 1): expected a table, found \(element.type)")) }
                var entry: [String: String] = [:]
                for name in table.keys.sorted() {
                    guard fields.contains(name) else {
                        return .failure(.init("entry \(index + 1): unknown key \"\(name)\" (known: \(fields.joined(separator: ", ")))"))
                    }
                    // Numbers (a weight) are read as their text; the settings parse them.
                    guard let text = table[name]?.string ?? table[name]?.int.map(String.init) ?? table[name]?.double.map { "\($0)" },
                          !text.isEmpty else {
                        return .failure(.init("entry \(index + 1): \(name) must be a non-empty string"))
                    }
                    entry[name] = text
                }
                for name in fields.prefix(required) where entry[name] == nil {
                    return .failure(.init("entry \(index + 1): \(name) is missing"))
                }
                entries.append(entry)
            }
            return .success(.tables(entries))
        case .listenList, .stringList:
            guard let array = node.array else { return .failure(.init("expected \(kind.typeName), found \(node.type)")) }
            var items: [String] = []
            for element in array {
                guard let text = element.string else { return .failure(.init("expected \(kind.typeName), found an element of type \(element.type)")) }
                items.append(text)
            }
            return check(.list(items), kind: kind)
        }
    }

    static func parseEnvironment(_ text: String, kind: ConfigKind) -> Result<ConfigValue, ConfigParseFailure> {
        switch kind {
        case .string, .path, .logLevel, .choice: return check(.string(text), kind: kind)
        case .integer:
            guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else { return .failure(.init("expected an integer, found \"\(text)\"")) }
            return check(.int(number), kind: kind)
        case .boolean:
            switch text.trimmingCharacters(in: .whitespaces).lowercased() {
            case "true", "1": return .success(.bool(true))
            case "false", "0": return .success(.bool(false))
            default: return .failure(.init("expected true or false, found \"\(text)\""))
            }
        case .size:
            guard let number = ValueParsing.size(text) else { return .failure(.init("expected \(kind.typeName), found \"\(text)\"")) }
            return .success(.int(number))
        case .duration:
            guard let number = ValueParsing.duration(text) else { return .failure(.init("expected \(kind.typeName), found \"\(text)\"")) }
            return .success(.int(number))
        case .tableList:
            return .failure(.init("can only be set in the configuration file"))
        case .listenList, .stringList:
            let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return check(.list(items), kind: kind)
        }
    }

    static func check(_ value: ConfigValue, kind: ConfigKind) -> Result<ConfigValue, ConfigParseFailure> {
        switch (kind, value) {
        case (.integer(let min, let max), .int(let number)):
            guard number >= min && number <= max else { return .failure(.init("\(number) is outside \(min)...\(max)")) }
        case (.size, .int(let number)), (.duration, .int(let number)):
            guard number >= 0 else { return .failure(.init("must not be negative")) }
        case (.choice(let words), .string(let text)):
            guard words.contains(text) else { return .failure(.init("\"\(text)\" is not \(kind.typeName)")) }
        case (.logLevel, .string(let text)):
            guard HatoConfig.logLevels.contains(text.lowercased()) else { return .failure(.init("\"\(text)\" is not \(kind.typeName)")) }
        case (.listenList, .list(let items)):
            for item in items where ValueParsing.listenAddress(item) == nil {
                return .failure(.init("\"\(item)\" is not an \"address:port\" (IPv6 as \"[::1]:25\")"))
            }
        case (.string, .string(let text)), (.path, .string(let text)):
            guard !text.isEmpty else { return .failure(.init("must not be empty")) }
        default: break
        }
        return .success(value)
    }
}

struct ConfigParseFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

extension ConfigParseFailure: CustomStringConvertible { var description: String { message } }
