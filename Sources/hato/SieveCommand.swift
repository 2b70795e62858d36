import ArgumentParser
import Foundation
import HatoServer
import MailCore

/// `hato sieve put|get|list|activate|check|delete` (docs/sieve.md).
struct SieveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sieve", abstract: "Manage accounts' Sieve filter scripts (RFC 5228).",
        subcommands: [Put.self, Get.self, List.self, Activate.self, Check.self, Delete.self])

    static func read(_ path: String) throws -> String {
        let data = path == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: path))
        guard let text = String(data: data, encoding: .utf8) else { throw ValidationError("\(path) is not UTF-8 (RFC 5228 §2.2)") }
        return text
    }

    struct Put: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Store a script (compiled first; refused with line and column if it does not compile).")
        @OptionGroup var options: ConfigOptions
        @Argument var address: String
        @Argument var name: String
        @Argument(help: "Script file, or - for standard input.") var file: String
        @Flag(help: "Make it the active script too.") var activate = false
        func run() async throws {
            let admin = try options.admin()
            let account = try EmailAddress(address)
            for warning in try await admin.putSieve(account, name: name, source: try SieveCommand.read(file)) {
                FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
            }
            if activate { try await admin.activateSieve(account, name: name) }
            print("stored \(name)\(activate ? " (active)" : "")")
        }
    }

    struct Get: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        @Argument var address: String
        @Argument var name: String
        func run() async throws {
            print(try await options.admin().sieveScript(try EmailAddress(address), name: name).source, terminator: "")
        }
    }

    struct List: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        @Argument var address: String
        func run() async throws {
            let scripts = try await options.admin().sieveScripts(try EmailAddress(address))
            let formatter = ISO8601DateFormatter()
            print(Table.render(["NAME", "ACTIVE", "BYTES", "UPDATED"], scripts.map {
                [$0.name, $0.active ? "yes" : "-", "\($0.source.utf8.count)", formatter.string(from: $0.updatedAt)]
            }))
        }
    }

    struct Activate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a script the account's one active script.")
        @OptionGroup var options: ConfigOptions
        @Argument var address: String
        @Argument(help: "Script name; leave out with --none.") var name: String?
        @Flag(help: "Deactivate every script of the account.") var none = false
        func run() async throws {
            guard (name == nil) == none else { throw ValidationError("give a script name or --none") }
            try await options.admin().activateSieve(try EmailAddress(address), name: name)
            print(name.map { "\($0) is active" } ?? "no active script")
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Compile a script file and print its first error with line and column.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Script file, or - for standard input.") var file: String
        func run() async throws {
            let source = try SieveCommand.read(file)
            if let error = try options.load().settings.sieve.check(source) {
                FileHandle.standardError.write(Data("\(file): \(error)\n".utf8))
                throw ExitCode(1)
            }
            print("\(file): ok")
        }
    }

    struct Delete: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        @Argument var address: String
        @Argument var name: String
        func run() async throws {
            try await options.admin().deleteSieve(try EmailAddress(address), name: name)
            print("deleted \(name)")
        }
    }
}
