import ArgumentParser
import Foundation
import MailCore
import MailStore
import OpenPGP

extension PGPCommand {
    /// `hato pgp at-rest ACCOUNT [on|off]` (docs/openpgp.md "Encryption at rest").
    struct AtRest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "at-rest",
            abstract: "Show, or turn on or off, storing every message delivered to the account PGP/MIME encrypted to its OpenPGP certificates.")
        @OptionGroup var options: ConfigOptions
        @Argument var account: String
        @Argument(help: "on or off; omit to show the current setting.") var setting: String?

        func run() async throws {
            let address = try EmailAddress(account)
            let admin = try options.admin()
            let store = admin.store
            guard let stored = try await store.account(address) else { throw ValidationError("no account \(address)") }
            guard let setting else {
                print(stored.openpgpAtRest ? "on" : "off")
                return
            }
            switch setting.lowercased() {
            case "on":
                // Without a certificate every delivery would fail: refuse now, with the reason.
                let usable = try await store.openPGPCertificates(account: address).contains { entry in
                    guard let certificate = try? OpenPGPCertificate.read(entry.data, limits: admin.config.openpgp.limits).first else { return false }
                    return certificate.valid && !certificate.encryptionKeys.isEmpty
                }
                guard usable else {
                    throw ValidationError("\(address.canonical) has no valid OpenPGP certificate that can encrypt: hato pgp import it first")
                }
                try await store.setOpenPGPAtRest(address, on: true)
                print("mail delivered to \(address.canonical) is now stored PGP/MIME encrypted to its OpenPGP certificates")
            case "off":
                try await store.setOpenPGPAtRest(address, on: false)
                print("mail delivered to \(address.canonical) is now stored as it arrives (messages stored encrypted stay encrypted)")
            default:
                throw ValidationError("at-rest must be on or off")
            }
        }
    }
}
