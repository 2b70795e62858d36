import ArgumentParser
import Foundation
import HatoServer

/// `--config FILE`, taken by every command. Without it, `$HATO_CONFIG`, then the embedded
/// development defaults.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: $HATO_CONFIG, else the embedded development defaults).")
    var config: String?

    var path: String? { config ?? ProcessInfo.processInfo.environment["HATO_CONFIG"] }

    func load() throws -> LoadedConfig { try ConfigLoader.load(file: path) }

    func admin() throws -> Admin {
        let loaded = try load()
        return Admin(store: try StoreFactory.open(loaded.settings), config: loaded.settings)
    }
}

/// Reads a password: the first line of standard input with --password-stdin, else from the
/// terminal without echo, asked twice.
enum PasswordInput {
    static func read(fromStdin: Bool) throws -> String {
        if fromStdin {
            guard let line = readLine(strippingNewline: true) else { throw ValidationError("no password on standard input") }
            return line
        }
        guard isatty(STDIN_FILENO) == 1 else {
            throw ValidationError("standard input is not a terminal: pass the password with --password-stdin")
        }
        let first = try prompt("Password: ")
        let second = try prompt("Repeat password: ")
        guard first == second else { throw ValidationError("the passwords do not match") }
        return first
    }

    private static func prompt(_ text: String) throws -> String {
        FileHandle.standardError.write(Data(text.utf8))
        var original = termios()
        tcgetattr(STDIN_FILENO, &original)
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &original)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLine(strippingNewline: true) else { throw ValidationError("no password entered") }
        return line
    }
}

/// Fixed-width table for list commands.
enum Table {
    static func render(_ header: [String], _ rows: [[String]]) -> String {
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
