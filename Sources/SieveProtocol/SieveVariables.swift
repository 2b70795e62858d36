/// RFC 5229 variables: named ones set by `set`, and the match variables ${0}..${9} from the last
/// successful :matches. Names are case-insensitive; values are truncated to the configured size.
/// With include (RFC 6609 §3.3, §3.5), names a script declared `global` and names in the
/// "global." namespace live in `globals`, shared by every script of the run.
struct SieveVariables {
    var named: [String: String] = [:]
    var matched: [String] = []
    var globals: [String: String] = [:]
    var declaredGlobal: Set<String> = []
    /// Whether "global.name" is a variable (the script requires include).
    var namespaces = false
    let limits: SieveLimits

    init(limits: SieveLimits, namespaces: Bool = false, globals: [String: String] = [:]) {
        self.limits = limits
        self.namespaces = namespaces
        self.globals = globals
    }

    // variable-name = (ALPHA / "_") *(ALPHA / DIGIT / "_")
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || $0 == "_" || ("0"..."9").contains($0)) }
    }

    /// A name, or with `namespaces` also "global." and a name (RFC 6609 §3.5).
    static func isValidName(_ name: String, namespaces: Bool) -> Bool {
        if isValidName(name) { return true }
        return namespaces && globalName(name).map(isValidName) == true
    }

    /// The name inside the "global." namespace, if `name` is in it.
    static func globalName(_ name: String) -> String? {
        let lower = name.lowercased()
        return lower.hasPrefix("global.") ? String(lower.dropFirst("global.".count)) : nil
    }

    /// Where a (lowercased) name lives: the shared globals or this script's own.
    private func isGlobal(_ name: String) -> (global: Bool, key: String) {
        if namespaces, let inner = Self.globalName(name) { return (true, inner) }
        return (declaredGlobal.contains(name), name)
    }

    func value(of name: String) -> String? {
        let (global, key) = isGlobal(name.lowercased())
        return global ? globals[key] : named[key]
    }

    mutating func set(_ name: String, _ value: String) throws(SieveRuntimeError) {
        let (global, key) = isGlobal(name.lowercased())
        if global {
            if globals[key] == nil, globals.count + named.count >= limits.maxVariables { throw .invalid("more than \(limits.maxVariables) variables") }
            globals[key] = truncated(value)
            return
        }
        if named[key] == nil, named.count + globals.count >= limits.maxVariables { throw .invalid("more than \(limits.maxVariables) variables") }
        named[key] = truncated(value)
    }

    func truncated(_ value: String) -> String {
        guard value.utf8.count > limits.maxVariableSize else { return value }
        var result = ""
        for character in value {
            guard result.utf8.count + character.utf8.count <= limits.maxVariableSize else { break }
            result.append(character)
        }
        return result
    }

    /// "${name}" and "${N}" replaced (RFC 5229 §3); a reference to an unset variable is empty, and
    /// text that is not a well-formed reference stays as written.
    func expand(_ text: String) -> String {
        SieveReferences.replace(in: text, maxLength: limits.maxVariableSize * 4) { inside in
            let name = String(inside)
            if let number = Int(name), name.allSatisfy(\.isASCII), number >= 0 { return number < matched.count ? matched[number] : "" }
            return Self.isValidName(name, namespaces: namespaces) ? value(of: name) ?? "" : nil
        }
    }

    /// RFC 5229 §4.1, highest precedence first.
    static func apply(_ modifiers: [SieveModifier], to value: String) -> String {
        var value = value
        for modifier in modifiers {
            switch modifier {
            case .lower: value = value.lowercased()
            case .upper: value = value.uppercased()
            case .lowerfirst: value = value.prefix(1).lowercased() + value.dropFirst()
            case .upperfirst: value = value.prefix(1).uppercased() + value.dropFirst()
            case .quotewildcard:
                value = String(value.flatMap { "*?\\".contains($0) ? ["\\", $0] : [$0] })
            case .length: value = String(value.count)
            }
        }
        return value
    }
}
