// `hato pgp autocrypt ACCOUNT [ADDRESS]`: the keys an account learned from correspondents'
// Autocrypt fields (`openpgp.autocrypt_learn`, docs/openpgp.md#autocrypt), with Autocrypt Level 1
// §2.4's view of each: "discourage" when the key is older than 35 days behind the last message.

import ArgumentParser
import Foundation
import HatoServer
import MailCore
import MailStore

extension PGPCommand {
    struct Autocrypt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the keys an account learned from correspondents' Autocrypt fields.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The account's address.") var account: String
        @Argument(help: "Only this correspondent.") var address: String?

        func run() async throws {
            let admin = try options.admin()
            let address = try EmailAddress(account)
            guard try await admin.store.account(address) != nil else { throw ValidationError("no account \(account)") }
            let peers = try await admin.store.autocryptPeers(account: address, address: self.address)
            let formatter = ISO8601DateFormatter()
            print("ADDRESS\tFINGERPRINT\tPREFER-ENCRYPT\tKEY FROM\tLAST SEEN\tSTATE")
            for peer in peers {
                // §2.4: "discourage" when last_seen is more than 35 days after autocrypt_timestamp.
                let state = peer.lastSeen.timeIntervalSince(peer.autocryptTimestamp) > AutocryptPeer.staleAfter ? "discourage" : "available"
                print([peer.address, peer.key.fingerprint, peer.key.preferEncrypt ? "mutual" : "nopreference",
                       formatter.string(from: peer.autocryptTimestamp), formatter.string(from: peer.lastSeen), state].joined(separator: "\t"))
            }
        }
    }
}
