import ArgumentParser
import Dispatch
import HatoServer

/// The entry point keeps the main thread an ordinary, blocked thread instead of Swift's async
/// main, which parks it in libdispatch's `dispatch_main()`: that thread is half-way through
/// `pthread_exit`, so glibc's `setuid` broadcast skips it, and after `hato serve` drops root the
/// process leader would still show uid 0 in `ps` and `/proc/PID/status` (docs/deployment.md).
/// Nothing in Hato runs on the main actor.
@main
enum HatoMain {
    static func main() {
        let done = DispatchSemaphore(value: 0)
        // Detached: main() is on the main actor, and the main thread is about to block.
        Task.detached {
            await Hato.main()
            done.signal()
        }
        done.wait()
    }
}

struct Hato: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hato",
        abstract: "Hato (鳩): a complete mail server in one binary.",
        version: HatoVersion.string,
        subcommands: [
            ServeCommand.self, DomainCommand.self, AccountCommand.self, AliasCommand.self, MailboxCommand.self,
            QueueCommand.self, ConfigCommand.self, MessageCommand.self, DNSCommand.self, SPFCommand.self, DKIMCommand.self,
            AuthCommand.self, StoreCommand.self, QuickstartCommand.self, CheckCommand.self, QuarantineCommand.self, ACMECommand.self,
            SieveCommand.self, PGPCommand.self, SMIMECommand.self, ReportCommand.self,
        ]
    )
}
