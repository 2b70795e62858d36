import SieveProtocol
import Testing

/// RFC 5183 environment: the items the delivery fills in, unknown items false (docs/sieve.md).
struct SieveEnvironmentTests {
    typealias M = SieveTestMessages

    func folders(_ script: String, _ environment: [String: String]) throws -> [String] {
        var input = M.input(M.english)
        input.environment = environment
        return M.folders(try SieveInterpreter.run(try SieveProgram.compile(script), on: input).actions)
    }

    @Test func itemsAndUnknownItems() throws {
        #expect(SieveProgram.supportedExtensions.contains("environment"))
        #expect(throws: SieveCompileError.self) { try SieveProgram.compile(#"if environment "host" "x" { stop; }"#) }
        #expect(throws: SieveCompileError.self) { try SieveProgram.compile(#"require "environment"; if environment "host" { stop; }"#) }
        let environment = ["host": "mail.example.jp", "domain": "example.jp", "location": "MDA", "phase": "during", "name": "Hato", "remote-ip": "192.0.2.7"]
        let script = """
            require ["environment", "variables", "relational", "comparator-i;ascii-numeric", "fileinto"];
            if environment :matches "HOST" "*.example.jp" { fileinto "host-${1}"; }
            if environment :is "location" "mda" { fileinto "MDA"; }
            if environment :contains "remote-ip" "192.0.2." { fileinto "Documentation"; }
            if environment :matches "vnd.unknown" "*" { fileinto "Unknown"; }
            if environment :count "eq" :comparator "i;ascii-numeric" "remote-host" "0" { fileinto "NoRemoteHost"; }
            if environment :count "eq" :comparator "i;ascii-numeric" "name" "1" { fileinto "OneName"; }
            """
        #expect(try folders(script, environment) == ["host-mail", "MDA", "Documentation", "OneName"])
        #expect(try folders(script, [:]) == [])
    }
}
