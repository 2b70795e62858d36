import ArgumentParser
import MailCore
import MailStore

extension AccountCommand {
    /// `hato account admin ADDRESS [on|off]`: shows, grants or revokes the right to log in to the
    /// DMARC dashboard on the admin HTTP listener (docs/dashboard.md).
    struct Admin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "admin", abstract: "Show, grant (on) or revoke (off) an account's access to the dashboard.")
        @OptionGroup var options: ConfigOptions
        @Argument var address: String
        @Argument(help: "on or off; omit to show the current setting.") var setting: String?

        func run() async throws {
            let address = try EmailAddress(address)
            let store = try options.admin().store
            guard let setting else {
                guard let account = try await store.account(address) else { throw ValidationError("no account \(address)") }
                print(account.isAdmin ? "on" : "off")
                return
            }
            let value: Bool
            switch setting.lowercased() {
            case "on": value = true
            case "off": value = false
            default: throw ValidationError("admin must be on or off")
            }
            try await store.setAdmin(address, admin: value)
            print(value ? "\(address) may now log in to the dashboard" : "\(address) may no longer log in to the dashboard")
        }
    }
}
