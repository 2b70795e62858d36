/// RFC 5229 variables: named ones set by `set`, and the match variables ${0}..${9} from the last
/// successful :matches. Names are case-insensitive; values are truncated to the configured size.
struct SieveVariables {
    var named: [String: String] = [:]
    var matched: [String] = []
    let limits: SieveLimits

    init(limits: SieveLimits) { self.limits = limits }

    // variable-name = (ALPHA / "_") *(ALPHA / DIGIT / "_")
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || $0 == "_" || ("0"..."9").contains($0)) }
    }

    mutating func set(_ name: String, _ value: String) throws(SieveRuntimeError) {
        if named[name] == nil, named.count >= limits.maxVariables { throw .invalid("more than \(limits.maxVariables) variables") }
        named[name] = truncated(value)
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
            return Self.isValidName(name) ? named[name.lowercased()] ?? "" : nil
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
