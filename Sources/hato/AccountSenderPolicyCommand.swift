import ArgumentParser
import MailCore
import MailStore

extension AccountCommand {
    /// `hato account sender-policy ADDRESS [own|domain|any]`: shows or sets which sender addresses
    /// the account may use when it submits mail (docs/smtp.md, "Sender addresses").
    struct SenderPolicy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sender-policy",
            abstract: "Show or set which sender addresses an account may use on submission.",
            discussion: """
                own     its own address (with any +tag) and aliases that deliver to it (default)
                domain  any address in its domain
                any     any address
                """)
        @OptionGroup var options: ConfigOptions
        @Argument var address: String
        @Argument(help: "own, domain or any; omit to show the current policy.") var policy: String?

        func run() async throws {
            let address = try EmailAddress(address)
            let store = try options.admin().store
            guard let policy else {
                guard let account = try await store.account(address) else { throw ValidationError("no account \(address)") }
                print(account.senderPolicy.rawValue)
                return
            }
            guard let value = SenderAddressPolicy(rawValue: policy.lowercased()) else {
                throw ValidationError("sender policy must be one of: own, domain, any")
            }
            try await store.setSenderPolicy(address, policy: value)
            print("\(address) may now send as: \(value.rawValue)")
        }
    }
}
