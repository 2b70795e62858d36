/// RFC 6609 §3.2: where an included script is looked up. Personal scripts are the account's own
/// (those ManageSieve stores); global ones come from the site (`[sieve] global_dir`).
public enum SieveScriptLocation: String, Sendable, Hashable {
    case personal, global
}

/// One script by location and name, as an `include` names it.
public struct SieveScriptReference: Sendable, Hashable, CustomStringConvertible {
    public var location: SieveScriptLocation
    public var name: String

    public init(_ location: SieveScriptLocation, _ name: String) {
        self.location = location
        self.name = name
    }

    /// As Pigeonhole words it: "personal script 'name'".
    public var description: String { "\(location.rawValue) script '\(name)'" }

    /// RFC 6609 §3.2 / RFC 5804 §1.6: a script name is not empty, has no "/" (it names no
    /// hierarchy), and no control characters (0x00-0x1F, 0x7F-0x9F, U+2028, U+2029).
    public static func isValidName(_ name: String, maxLength: Int = 1024) -> Bool {
        guard !name.isEmpty, name.utf8.count <= maxLength, name != ".", name != ".." else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            !(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029 || scalar == "/")
        }
    }
}

/// `include [":personal" / ":global"] [":once"] [":optional"] <value: string>` (RFC 6609 §3.2).
public struct SieveInclude: Sendable, Equatable {
    public var script: SieveScriptReference
    /// Skipped when the script was already included in this run.
    public var once: Bool
    /// A missing script is no error (it is skipped).
    public var optional: Bool
    /// Where the include is written, for the errors and warnings that name it.
    public var position: SievePosition
}

/// The include extension's commands (RFC 6609 §3.2-§3.4).
extension SieveCompiler {
    func includeCommand(_ node: SieveCommandNode) throws(SieveCompileError) -> SieveInstruction? {
        let at = node.position
        switch node.name {
        case "include":
            try need("include", at)
            let a = try SieveArguments((node.name, node.arguments, at), valued: [], plain: ["personal", "global", "once", "optional"])
            try a.expect(1)
            guard !(a.has("personal") && a.has("global")) else { throw SieveCompileError("include: :personal and :global together", at: at) }
            // §3.2: the name is a constant string; variables are never expanded in it.
            let name = try a.string(at: 0)
            guard SieveScriptReference.isValidName(name) else {
                throw SieveCompileError("include: \"\(name)\" is not a valid script name", at: a.positional[0].position)
            }
            let location: SieveScriptLocation = a.has("global") ? .global : .personal
            return .include(SieveInclude(script: SieveScriptReference(location, name), once: a.has("once"), optional: a.has("optional"),
                                         position: at))
        case "return":
            // return (§3.4): ends this script; the including one continues.
            try need("include", at)
            try SieveArguments((node.name, node.arguments, at), valued: [], plain: []).expect(0)
            return .returnFromInclude
        case "global":
            // global <value: string-list> (§3.3): these variables are shared with every script of the run.
            try need("include", at)
            try need("variables", at)
            let a = try SieveArguments((node.name, node.arguments, at), valued: [], plain: [])
            try a.expect(1)
            let names = try a.strings(at: 0)
            for name in names where !SieveVariables.isValidName(name) {
                throw SieveCompileError("global: \"\(name)\" is not a variable name", at: at)
            }
            return .global(names.map { $0.lowercased() })
        default:
            return nil
        }
    }
}

extension SieveProgram {
    /// Every include of the program, nested blocks included, in the order they are written.
    public var includes: [SieveInclude] {
        var found: [SieveInclude] = []
        func walk(_ instructions: [SieveInstruction]) {
            for instruction in instructions {
                switch instruction {
                case .include(let include): found.append(include)
                case .conditional(let branches, let otherwise):
                    for branch in branches { walk(branch.body) }
                    if let otherwise { walk(otherwise) }
                default: continue
                }
            }
        }
        walk(instructions)
        return found
    }
}
