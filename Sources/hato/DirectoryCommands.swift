import ArgumentParser
import Foundation
import HatoServer
import MailCore
import MailStore

struct DomainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domain", abstract: "Manage the domains Hato receives mail for.", subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Domain name, e.g. example.com (Unicode names are stored as A-labels).") var name: String
        func run() async throws {
            let domain = try Domain(name)
            try await options.admin().store.addDomain(domain)
            print("added domain \(domain)")
        }
    }

    struct List: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        func run() async throws {
            for domain in try await options.admin().store.domains() { print(domain) }
        }
    }

    struct Remove: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        @Argument var name: String
        func run() async throws {
            let domain = try Domain(name)
            try await options.admin().store.removeDomain(domain)
            print("removed domain \(domain)")
        }
    }
}

struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account", abstract: "Manage user accounts.", subcommands: [Add.self, List.self, Remove.self, Passwd.self, SenderPolicy.self, Admin.self])

    struct Add: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        @Argument var address: String
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false
        func run() async throws {
            let address = try EmailAddress(address)
            let admin = try options.admin()
            let password = try PasswordInput.read(fromStdin: passwordStdin)
            let account = try await admin.addAccount(address, password: password)
            print("added account \(account.address) with mailboxes INBOX, \(SpecialUse.defaultMailboxes.map(\.name).joined(separator: ", "))")
        }
    }

    struct List: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        func run() async throws {
            let accounts = try await options.admin().store.accounts()
            let rows = accounts.map { account in
                [account.address.description, "\(account.usage.messages)", "\(account.usage.bytes)",
                 account.quota.maxMessages.map(String.init) ?? "-", account.quota.maxBytes.map(String.init) ?? "-",
                 account.isAdmin ? "yes" : "no"]
            }
            print(Table.render(["ADDRESS", "MESSAGES", "BYTES", "QUOTA-MESSAGES", "QUOTA-BYTES", "ADMIN"], rows))
        }
    }

    struct Remove: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        @Argument var address: String
        func run() async throws {
            let address = try EmailAddress(address)
            try await options.admin().store.removeAccount(address)
            print("removed account \(address) and all its mail")
        }
    }

    struct Passwd: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        @Argument var address: String
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false
        @Flag(help: ArgumentHelp(
            "Also store the CRAM-MD5 key schedule, so this account can log in with CRAM-MD5 where auth.mechanisms lists it.",
            discussion: "That record is a plaintext equivalent for CRAM-MD5 and is cheap to attack offline if stolen (docs/authentication.md). Without this flag any earlier CRAM-MD5 record is removed."))
        var allowCramMd5 = false
        func run() async throws {
            let address = try EmailAddress(address)
            let admin = try options.admin()
            _ = try await admin.account(address)
            try await admin.changePassword(address, password: try PasswordInput.read(fromStdin: passwordStdin), allowCRAMMD5: allowCramMd5)
            print("changed the password of \(address)" + (allowCramMd5 ? " (CRAM-MD5 allowed)" : ""))
        }
    }
}

struct AliasCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alias", abstract: "Manage aliases and catch-alls.", subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Alias address, or @domain for a catch-all.") var source: String
        @Argument(help: "Where mail goes: local or remote addresses.") var targets: [String]
        func run() async throws {
            guard !targets.isEmpty else { throw ValidationError("at least one TARGET is required") }
            let alias = Alias(source: try AliasSource(source), targets: try targets.map { try EmailAddress($0) })
            try await options.admin().store.addAlias(alias)
            print("added alias \(alias.source) -> \(alias.targets.map(\.description).joined(separator: ", "))")
        }
    }

    struct List: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        func run() async throws {
            for alias in try await options.admin().store.aliases() {
                print("\(alias.source) -> \(alias.targets.map(\.description).joined(separator: ", "))")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        @Argument var source: String
        func run() async throws {
            let source = try AliasSource(source)
            try await options.admin().store.removeAlias(source)
            print("removed alias \(source)")
        }
    }
}
