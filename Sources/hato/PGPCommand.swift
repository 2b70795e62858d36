// `hato pgp import|import-contact|list|remove|dns`: accounts' OpenPGP certificates, the contact
// directory that PGP/MIME signatures are verified against, and the OPENPGPKEY records that
// publish accounts' certificates in DNS (docs/openpgp.md).

import ArgumentParser
import Foundation
import HatoServer
import MailCore
import MailStore
import OpenPGP

struct PGPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pgp", abstract: "Manage OpenPGP certificates (public keys) of accounts and correspondents.",
        subcommands: [Import.self, ImportContact.self, List.self, Remove.self, DNS.self, Locate.self, Autocrypt.self, AtRest.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an account's certificate (armored or binary); it needs a User ID with the account's address and a valid encryption subkey.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The account's address.") var account: String
        @Argument(help: "The certificate file, as `gpg --export [--armor]` writes it; with --secret, the secret key as `gpg --export-secret-keys` writes it.")
        var file: String
        @Flag(help: "The file is the account's secret key: keep it (sealed with data_dir/server-secret.key) to sign what the account submits.")
        var secret = false
        @Option(name: .customLong("password-file"), help: "A file whose first line is the secret key's passphrase (with --secret).")
        var passwordFile: String?

        func run() async throws {
            let admin = try options.admin()
            let importer = OpenPGPKeyImporter(store: admin.store, limits: admin.config.openpgp.limits)
            let bytes = try PGPCommand.read(file, limit: admin.config.openpgp.limits.maxCertificateSize)
            let address = try EmailAddress(account)
            guard secret else {
                // Without --secret, secret key material is read as its public part only and not kept.
                guard passwordFile == nil else { throw ValidationError("--password-file goes with --secret") }
                return try await importPublic(importer, bytes, address)
            }
            let password = try passwordFile.map { try SMIMECommand.password(from: $0) }
            let key = try await importer.importSecretKey(bytes, account: address, password: password, dataDirectory: admin.config.dataDirectory)
            print("imported \(key.certificate.fingerprint) for \(address.canonical) with its secret key, sealed (signing keys: \(key.signingKeys.joined(separator: ", ")); encryption keys: \(key.certificate.encryptionKeys.joined(separator: ", ")))")
        }

        func importPublic(_ importer: OpenPGPKeyImporter, _ bytes: [UInt8], _ address: EmailAddress) async throws {
            for certificate in try await importer.importAccountCertificates(bytes, account: address) {
                print("imported \(certificate.fingerprint) for \(address.canonical) (encryption keys: \(certificate.encryptionKeys.joined(separator: ", ")))")
            }
        }
    }

    struct ImportContact: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-contact",
            abstract: "Add correspondents' certificates to the server-wide directory signatures are verified against.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The certificate file (one or more certificates, armored or binary).") var file: String

        func run() async throws {
            let admin = try options.admin()
            let importer = OpenPGPKeyImporter(store: admin.store, limits: admin.config.openpgp.limits)
            let bytes = try PGPCommand.read(file, limit: admin.config.openpgp.limits.maxCertificateSize)
            for certificate in try await importer.importContactCertificates(bytes) {
                print("imported \(certificate.fingerprint) for \(certificate.addresses.joined(separator: ", "))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List stored certificates (all, or one account's).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Only this account's certificates.") var account: String?

        func run() async throws {
            let admin = try options.admin()
            let stored = try await admin.store.openPGPCertificates(account: try account.map { try EmailAddress($0) })
            let formatter = ISO8601DateFormatter()
            print(Table.render(["FINGERPRINT", "OWNER", "USER IDS", "ENCRYPTION KEYS", "STATE", "IMPORTED", "SECRET"], stored.map { entry in
                // Read again now: a key valid at import may have expired since.
                let certificate = try? OpenPGPCertificate.read(entry.data, limits: admin.config.openpgp.limits).first
                let owner = switch entry.owner {
                case .account(let address): address.canonical
                case .contact: "(contact)"
                }
                let state = certificate.map { $0.revoked ? "revoked" : $0.expired ? "expired" : $0.valid ? "valid" : "invalid" } ?? "unreadable"
                return [entry.fingerprint, owner, certificate?.userIDs.filter(\.valid).map(\.text).joined(separator: ", ") ?? "",
                        "\(certificate?.encryptionKeys.count ?? 0)", state, formatter.string(from: entry.imported),
                        entry.sealedSecretKey == nil ? "-" : "sealed"]
            }))
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a certificate (from its account and the contact directory).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The primary key's fingerprint (as `hato pgp list` shows it).") var fingerprint: String

        func run() async throws {
            try await options.admin().store.removeOpenPGPCertificate(fingerprint: fingerprint.replacingOccurrences(of: " ", with: "").uppercased())
            print("removed \(fingerprint)")
        }
    }

    struct DNS: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print OPENPGPKEY records (RFC 7929) publishing accounts' certificates, for the domain's zone.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Only accounts in this domain.") var domain: String?
        @Option(help: "The records' TTL in seconds.") var ttl: UInt32 = 3600

        func run() async throws {
            let admin = try options.admin()
            let domain = try domain.map { try Domain($0) }
            let entries = try OpenPGPKeyRecords.entries(try await admin.store.openPGPCertificates(account: nil), domain: domain, ttl: ttl)
            try MailboxKeyRecord.printZone(entries, domain: domain, importHint: "hato pgp import ACCOUNT FILE",
                                           heading: "OPENPGPKEY (type 61) in the RFC 3597 generic form; publish in a DNSSEC-signed zone (RFC 7929 §7)")
        }
    }

    /// The file, refused unread when larger than the limit.
    static func read(_ path: String, limit: Int) throws -> [UInt8] {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int else {
            throw ValidationError("cannot read \(path)")
        }
        guard size <= limit else { throw OpenPGPError("\(path) has \(size) bytes, more than openpgp.max_certificate_size (\(limit))") }
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
