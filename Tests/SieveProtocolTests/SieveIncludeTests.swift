import SieveProtocol
import Testing

/// RFC 6609 include: included scripts run as part of one run (their actions, `return`, `stop`,
/// global variables), :once and :optional, missing scripts per mode, recursion and the limits.
@Suite struct SieveIncludeTests {
    typealias M = SieveTestMessages
    typealias Ref = SieveScriptReference

    /// Scripts by reference, as the store and the global directory would give them.
    static func resolver(_ scripts: [Ref: String], limits: SieveLimits = .default) -> SieveIncludeResolver {
        SieveIncludeResolver(limits: limits) { scripts[$0] }
    }

    static func run(_ main: String, _ scripts: [Ref: String], limits: SieveLimits = .default) async throws -> SieveResult {
        let set = try await resolver(scripts, limits: limits).resolve(try SieveProgram.compile(main), named: Ref(.personal, "main"), mode: .deliver)
        return try SieveInterpreter.run(set, on: M.input(M.english), limits: limits)
    }

    @Test func includedActionsReturnAndGlobals() async throws {
        let main = #"""
            require ["include", "variables", "fileinto"];
            global "box";
            set "box" "Main";
            include "lists";
            include :global "site";
            fileinto "${box}";
            """#
        let lists = #"""
            require ["include", "variables", "fileinto"];
            global "box";
            if header :contains "list-id" "acme-users" { fileinto "Lists-${box}"; set "box" "FromLists"; return; }
            fileinto "Never";
            """#
        let site = #"require ["include", "variables", "fileinto"]; set "box" "LocalOnly"; set "global.tag" "site"; fileinto "Site-${global.tag}";"#
        let result = try await Self.run(main, [Ref(.personal, "lists"): lists, Ref(.global, "site"): site])
        #expect(M.folders(result.actions) == ["Lists-Main", "Site-site", "FromLists"])
        #expect(!result.actions.contains(.keep(flags: [])), "an included fileinto cancels the implicit keep")
    }

    @Test func stopInAnIncludedScriptEndsTheRun() async throws {
        let result = try await Self.run(#"require ["include", "fileinto"]; include "b"; fileinto "After";"#,
                                        [Ref(.personal, "b"): #"require "fileinto"; fileinto "B"; stop;"#])
        #expect(M.folders(result.actions) == ["B"])
    }

    /// §3.2: :once runs a script only the first time; without it, every time.
    @Test func onceAndRepeated() async throws {
        let counter = #"require ["include", "variables"]; global "n"; set "n" "${n}x";"#
        let main = #"""
            require ["include", "variables", "fileinto"]; global "n";
            include "c"; include "c"; include :once "c"; fileinto "n-${n}";
            """#
        let result = try await Self.run(main, [Ref(.personal, "c"): counter])
        #expect(M.folders(result.actions) == ["n-xx"])
    }

    /// §3.2: a missing :optional script is skipped; a missing one without it fails the run (INBOX).
    @Test func missingScripts() async throws {
        let skipped = try await Self.run(#"require ["include", "fileinto"]; include :optional "gone"; fileinto "Ran";"#, [:])
        #expect(M.folders(skipped.actions) == ["Ran"])
        await #expect(throws: SieveRuntimeError.invalid("included personal script 'gone' does not exist")) {
            _ = try await Self.run(#"require ["include", "fileinto"]; if false { keep; } else { include "gone"; }"#, [:])
        }
        let untaken = try await Self.run(#"require ["include", "fileinto"]; if false { include "gone"; } fileinto "Ran";"#, [:])
        #expect(M.folders(untaken.actions) == ["Ran"], "an include that does not run needs no script")
    }

    /// Upload warns, activation refuses (as Pigeonhole's ManageSieve), delivery leaves it to the run.
    @Test func missingScriptPerMode() async throws {
        let program = try SieveProgram.compile("require \"include\";\n\ninclude :global \"gone\"; include :optional \"gone2\";")
        let resolver = Self.resolver([:])
        let upload = try await resolver.resolve(program, mode: .upload)
        #expect(upload.warnings == ["line 3: included global script 'gone' does not exist, ignored during upload"])
        await #expect(throws: SieveIncludeError.problem("line 3, column 1: included global script 'gone' does not exist")) {
            _ = try await resolver.resolve(program, mode: .activate)
        }
        #expect(try await resolver.resolve(program, mode: .deliver).warnings.isEmpty)
    }

    /// §3.2: recursion is found when the scripts are loaded, and again at run time.
    @Test func recursion() async throws {
        let a = #"require "include"; include "b";"#, b = #"require "include"; if true { include "a"; }"#
        await #expect(throws: SieveIncludeError.problem("in personal script 'b': line 1, column 30: include of personal script 'a' is recursive (a script may not include itself, RFC 6609 §3.2)")) {
            _ = try await Self.resolver([Ref(.personal, "b"): b]).resolve(try SieveProgram.compile(a), named: Ref(.personal, "a"), mode: .upload)
        }
        await #expect(throws: SieveIncludeError.self) {
            _ = try await Self.resolver([Ref(.personal, "a"): a, Ref(.personal, "b"): b]).resolve(try SieveProgram.compile(a), mode: .deliver)
        }
        // A set put together by hand (as if a script changed after loading) still stops at run time.
        let set = SieveScriptSet(main: try SieveProgram.compile(a), mainReference: Ref(.personal, "a"),
                                 included: [Ref(.personal, "b"): try SieveProgram.compile(b), Ref(.personal, "a"): try SieveProgram.compile(a)])
        #expect(throws: SieveRuntimeError.invalid("include of personal script 'a' is recursive")) {
            _ = try SieveInterpreter.run(set, on: M.input(M.english))
        }
    }

    @Test func depthAndCountLimits() async throws {
        var limits = SieveLimits()
        limits.maxIncludeDepth = 3
        limits.maxIncludedScripts = 4
        var chain: [Ref: String] = [:]
        for level in 1...4 { chain[Ref(.personal, "s\(level)")] = level < 4 ? "require \"include\"; include \"s\(level + 1)\";" : "keep;" }
        let main = try SieveProgram.compile(#"require "include"; include "s1";"#)
        await #expect(throws: SieveIncludeError.self) { _ = try await Self.resolver(chain, limits: limits).resolve(main, mode: .deliver) }
        limits.maxIncludeDepth = 4
        #expect(try await Self.resolver(chain, limits: limits).resolve(main, mode: .deliver).included.count == 4)
        let wide = try SieveProgram.compile(#"require "include"; include ["w1"]; include "w2"; include "w3"; include "w4"; include "w5";"#)
        var many: [Ref: String] = [:]
        for n in 1...5 { many[Ref(.personal, "w\(n)")] = "keep;" }
        await #expect(throws: SieveIncludeError.problem("line 1, column 78: more than 4 scripts included")) {
            _ = try await Self.resolver(many, limits: limits).resolve(wide, mode: .deliver)
        }
    }

    /// A diamond (two scripts including a third) is no recursion, and the third is loaded once.
    @Test func diamondIsNotRecursion() async throws {
        let scripts: [Ref: String] = [Ref(.personal, "l"): #"require "include"; include "z";"#,
                                      Ref(.personal, "r"): #"require "include"; include "z";"#,
                                      Ref(.personal, "z"): #"require "fileinto"; fileinto "Z";"#]
        let result = try await Self.run(#"require "include"; include "l"; include "r";"#, scripts)
        #expect(M.folders(result.actions) == ["Z"])
    }

    @Test func compileErrors() {
        for (script, message) in [
            (#"include "a";"#, "\"include\" is used but not required"),
            (#"require "include"; include "a/b";"#, "include: \"a/b\" is not a valid script name"),
            (#"require "include"; include :personal :global "a";"#, "include: :personal and :global together"),
            (#"require "include"; global "x";"#, "\"variables\" is used but not required"),
            (#"require ["include", "variables"]; global "x-y";"#, "global: \"x-y\" is not a variable name"),
            (#"require "include"; return "x";"#, "return takes 0 arguments, not 1"),
            (#"require "variables"; set "global.x" "1";"#, "\"global.x\" is not a variable name"),
        ] {
            #expect(throws: SieveCompileError.self, "\(script)") { _ = try SieveProgram.compile(script) }
            do { _ = try SieveProgram.compile(script) } catch { #expect(error.message == message, "\(script)") }
        }
    }
}
