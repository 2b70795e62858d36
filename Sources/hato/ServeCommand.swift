import ArgumentParser
import Foundation
import HatoServer
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the mail server.")
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let loaded = try options.load()
        let level = loaded.settings.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let service = HatoService(config: loaded, logger: Logger(label: "hato"))
        try await service.run { line in
            // Unbuffered, so a supervisor or test reading the pipe sees the banner at once.
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
        // The shutdown is complete (listeners closed, queue stopped, store closed). A DNSSEC lookup
        // may still be blocked in libunbound on NIO's thread pool (it cannot be cancelled);
        // returning from main would run the C libraries' exit handlers (libunbound, OpenSSL) under
        // it, and a full test run saw that crash with SIGSEGV in pthread_rwlock_unlock. So the
        // process ends here without them, its output flushed.
        fflush(nil)
        _exit(0)
    }
}

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Inspect the configuration.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the configuration and print the effective values with their sources.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            print(ConfigRenderer.render(try options.load()), terminator: "")
        }
    }
}
