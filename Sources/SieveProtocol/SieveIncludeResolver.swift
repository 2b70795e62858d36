/// When an include graph is checked, which decides what a missing script is (RFC 6609 §3.2,
/// as Pigeonhole does it):
/// - `upload` (ManageSieve PUTSCRIPT, CHECKSCRIPT): a missing non-optional script is a warning,
///   since the scripts of a set are uploaded one at a time;
/// - `activate` (SETACTIVE, `hato sieve activate` and `check`): it is an error;
/// - `deliver`: nothing at load; the include fails when it runs (a runtime error, INBOX).
public enum SieveIncludeMode: Sendable {
    case upload, activate, deliver
}

/// Why an include graph cannot run: `problem` is the script's fault (a compile error in an
/// included script, a missing one, recursion, a limit); `unavailable` is the store's.
public enum SieveIncludeError: Error, Sendable, Equatable, CustomStringConvertible {
    case problem(String)
    case unavailable(String)

    public var description: String {
        switch self {
        case .problem(let text): text
        case .unavailable(let text): "scripts cannot be read: \(text)"
        }
    }
}

/// A main program and every script it includes, directly or not, compiled: what one run needs.
public struct SieveScriptSet: Sendable {
    public var main: SieveProgram
    /// The main script's own name, so an include of it is seen as recursion.
    public var mainReference: SieveScriptReference?
    /// The included scripts that exist; a reference not here is missing.
    public var included: [SieveScriptReference: SieveProgram]
    /// RFC 5804 §1.3 WARNINGS: what an upload was told (missing non-optional scripts).
    public var warnings: [String]

    public init(main: SieveProgram, mainReference: SieveScriptReference? = nil,
                included: [SieveScriptReference: SieveProgram] = [:], warnings: [String] = []) {
        self.main = main
        self.mainReference = mainReference
        self.included = included
        self.warnings = warnings
    }
}

/// Loads the scripts a program includes (RFC 6609 §3.2), checking what can be checked before a
/// run: recursion (a script that includes itself, directly or not), the nesting depth
/// (`SieveLimits.maxIncludeDepth`) and how many scripts one run may include
/// (`SieveLimits.maxIncludedScripts`). Sources come from `fetch` (nil: no such script) and are
/// compiled through `compile`, which the delivery backs with its cache keyed by source text: a
/// changed included script is a new source, compiled anew.
public struct SieveIncludeResolver: Sendable {
    public let limits: SieveLimits
    public let fetch: @Sendable (SieveScriptReference) async throws -> String?
    public let compile: @Sendable (String) async -> Result<SieveProgram, SieveCompileError>

    public init(limits: SieveLimits, fetch: @escaping @Sendable (SieveScriptReference) async throws -> String?,
                compile: (@Sendable (String) async -> Result<SieveProgram, SieveCompileError>)? = nil) {
        self.limits = limits
        self.fetch = fetch
        self.compile = compile ?? { [limits] source in Result { () throws(SieveCompileError) in try SieveProgram.compile(source, limits: limits) } }
    }

    public func resolve(_ main: SieveProgram, named reference: SieveScriptReference? = nil,
                        mode: SieveIncludeMode) async throws(SieveIncludeError) -> SieveScriptSet {
        var walk = Walk(mainReference: reference)
        _ = try await visit(main, in: nil, depth: 0, &walk, mode)
        return SieveScriptSet(main: main, mainReference: reference, included: walk.programs, warnings: walk.warnings)
    }

    private struct Walk {
        let mainReference: SieveScriptReference?
        var programs: [SieveScriptReference: SieveProgram] = [:]
        var missing: Set<SieveScriptReference> = []
        /// Levels of includes below each finished script (0: it includes nothing).
        var height: [SieveScriptReference: Int] = [:]
        var path: [SieveScriptReference] = []
        var warnings: [String] = []
    }

    /// Returns how many levels of includes lie below `program`.
    private func visit(_ program: SieveProgram, in script: SieveScriptReference?, depth: Int, _ walk: inout Walk,
                       _ mode: SieveIncludeMode) async throws(SieveIncludeError) -> Int {
        var below = 0
        for include in program.includes {
            let target = include.script
            func problem(_ text: String) -> SieveIncludeError {
                .problem((script.map { "in \($0): " } ?? "") + "line \(include.position.line), column \(include.position.column): " + text)
            }
            if target == walk.mainReference || walk.path.contains(target) {
                throw problem("include of \(target) is recursive (a script may not include itself, RFC 6609 §3.2)")
            }
            if let height = walk.height[target] {
                guard depth + 1 + height <= limits.maxIncludeDepth else { throw problem("includes nested deeper than \(limits.maxIncludeDepth)") }
                below = max(below, 1 + height)
                continue
            }
            if walk.missing.contains(target) {
                try missing(include, mode, &walk, problem)
                continue
            }
            let source: String?
            do { source = try await fetch(target) } catch { throw .unavailable("\(target): \(error)") }
            guard let source else {
                walk.missing.insert(target)
                try missing(include, mode, &walk, problem)
                continue
            }
            guard walk.programs.count < limits.maxIncludedScripts else {
                throw problem("more than \(limits.maxIncludedScripts) scripts included")
            }
            guard depth + 1 <= limits.maxIncludeDepth else { throw problem("includes nested deeper than \(limits.maxIncludeDepth)") }
            let compiled: SieveProgram
            switch await compile(source) {
            case .success(let program): compiled = program
            case .failure(let error): throw .problem("in \(target): \(error)")
            }
            walk.programs[target] = compiled
            walk.path.append(target)
            let height = try await visit(compiled, in: target, depth: depth + 1, &walk, mode)
            walk.path.removeLast()
            walk.height[target] = height
            below = max(below, 1 + height)
        }
        return below
    }

    private func missing(_ include: SieveInclude, _ mode: SieveIncludeMode, _ walk: inout Walk,
                         _ problem: (String) -> SieveIncludeError) throws(SieveIncludeError) {
        guard !include.optional else { return }
        switch mode {
        case .deliver: return
        case .activate: throw problem("included \(include.script) does not exist")
        case .upload:
            let warning = "line \(include.position.line): included \(include.script) does not exist, ignored during upload"
            if !walk.warnings.contains(warning) { walk.warnings.append(warning) }
        }
    }
}
