import ArgumentParser
import Foundation
import MailCore
import MailStore
import SMIME

extension SMIMECommand {
    /// `hato smime at-rest ACCOUNT [on|off]` (docs/smime.md "Encryption at rest").
    struct AtRest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "at-rest",
            abstract: "Show, or turn on or off, storing every message delivered to the account encrypted to its S/MIME certificate.")
        @OptionGroup var options: ConfigOptions
        @Argument var account: String
        @Argument(help: "on or off; omit to show the current setting.") var setting: String?

        func run() async throws {
            let address = try EmailAddress(account)
            let store = try options.admin().store
            guard let stored = try await store.account(address) else { throw ValidationError("no account \(address)") }
            guard let setting else {
                print(stored.smimeAtRest ? "on" : "off")
                return
            }
            switch setting.lowercased() {
            case "on":
                // Without a certificate every delivery would fail: refuse now, with the reason.
                let now = Date()
                let usable = try await store.smimeCertificates(account: address).contains { entry in
                    guard let certificate = try? SMIMECertificate(der: entry.certificate) else { return false }
                    return certificate.isValid(at: now) && certificate.canEncrypt
                }
                guard usable else {
                    throw ValidationError("\(address.canonical) has no valid S/MIME certificate that allows encryption: hato smime import it first")
                }
                try await store.setSMIMEAtRest(address, on: true)
                print("mail delivered to \(address.canonical) is now stored encrypted to its S/MIME certificate")
            case "off":
                try await store.setSMIMEAtRest(address, on: false)
                print("mail delivered to \(address.canonical) is now stored as it arrives (messages stored encrypted stay encrypted)")
            default:
                throw ValidationError("at-rest must be on or off")
            }
        }
    }
}
