import ArgumentParser
import Foundation
import HatoServer
import MailCore
import MailStore

struct MailboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailbox", abstract: "List, export and import mailboxes.", subcommands: [List.self, Export.self, Import.self])

    struct List: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        @Argument var address: String
        func run() async throws {
            let statuses = try await options.admin().mailboxStatuses(try EmailAddress(address))
            let rows = statuses.map { status in
                [status.mailbox.name, status.mailbox.specialUse?.rawValue ?? "-", "\(status.messages)", "\(status.unseen)", "\(status.bytes)"]
            }
            print(Table.render(["NAME", "SPECIAL-USE", "MESSAGES", "UNSEEN", "BYTES"], rows))
        }
    }

    struct Export: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        @Argument var address: String
        @Argument var mailbox: String
        @Option(help: "mbox (mboxrd) or maildir.") var format: String = "mbox"
        @Option(help: "File (mbox) or directory (maildir); mbox goes to standard output without it.") var output: String?
        func run() async throws {
            guard let format = Admin.ExportFormat(rawValue: format) else {
                throw ValidationError("--format must be mbox or maildir")
            }
            let result = try await options.admin().export(
                try EmailAddress(address), mailbox: mailbox, format: format, output: output.map { URL(fileURLWithPath: $0) })
            if let bytes = result.mbox {
                FileHandle.standardOutput.write(Data(bytes))
            } else {
                FileHandle.standardError.write(Data("exported \(result.count) messages to \(output ?? "-")\n".utf8))
            }
        }
    }

    struct Import: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        @Argument var address: String
        @Argument var mailbox: String
        @Argument(help: "An mbox file or a Maildir folder (with cur/ and new/).") var path: String
        @Flag(help: "Print a line for each message once it is stored durably.") var progress = false
        func run() async throws {
            let showProgress = progress
            let count = try await options.admin().importMessages(try EmailAddress(address), mailbox: mailbox, from: URL(fileURLWithPath: path)) { result in
                if showProgress { FileHandle.standardOutput.write(Data("stored UID \(result.uid)\n".utf8)) }
            }
            print("imported \(count) messages into \(mailbox)")
        }
    }
}
