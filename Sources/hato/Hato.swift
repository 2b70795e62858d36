import ArgumentParser
import HatoServer

@main
struct Hato: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hato",
        abstract: "Hato (鳩): a complete mail server in one binary.",
        version: HatoVersion.string,
        subcommands: [
            ServeCommand.self, DomainCommand.self, AccountCommand.self, AliasCommand.self, MailboxCommand.self,
            QueueCommand.self, ConfigCommand.self, MessageCommand.self, DNSCommand.self, SPFCommand.self, DKIMCommand.self,
            AuthCommand.self, StoreCommand.self, QuarantineCommand.self,
        ]
    )
}
