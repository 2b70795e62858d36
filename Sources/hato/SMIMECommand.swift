// `hato smime import|import-cert|list|remove`: accounts' S/MIME keys (sealed with the server
// key in the data directory) and correspondents' certificates (docs/smime.md); the tools
// (verify, sign, encrypt, decrypt) are in SMIMECommand+Tools.swift.

import ArgumentParser
import Foundation
import HatoServer
import MailCore
import MailStore
import SMIME

struct SMIMECommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smime", abstract: "Manage S/MIME keys and certificates; sign, encrypt, decrypt and verify messages.",
        subcommands: [Import.self, ImportCert.self, List.self, Remove.self, Verify.self, Sign.self, Encrypt.self, Decrypt.self, DNS.self, AtRest.self])

    /// The most a certificate, key or PKCS#12 file may hold.
    static let maxKeyFileSize = 1 << 20

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an account's certificate and private key (PEM/DER files or PKCS#12); the certificate must carry the account's address.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The account's address.") var account: String
        @Option(help: "The certificate (PEM: the account's first, then its intermediate CAs; or DER).") var cert: String?
        @Option(help: "The private key (PEM, PKCS#8 or DER).") var key: String?
        @Option(help: "A PKCS#12 file with key, certificate and chain (instead of --cert and --key).") var p12: String?
        @Option(name: .customLong("password-file"), help: "A file whose first line is the password of --p12 or of an encrypted --key.")
        var passwordFile: String?

        func validate() throws {
            guard (p12 != nil) != (cert != nil || key != nil) else { throw ValidationError("give either --p12, or --cert and --key") }
            guard p12 != nil || (cert != nil && key != nil) else { throw ValidationError("--cert and --key go together") }
        }

        func run() async throws {
            let admin = try options.admin()
            let address = try EmailAddress(account)
            let password = try passwordFile.map { try SMIMECommand.password(from: $0) }
            let identity: SMIMEIdentity
            if let p12 {
                identity = try SMIMEIdentity(pkcs12: try SMIMECommand.read(p12, limit: SMIMECommand.maxKeyFileSize), password: password ?? "")
            } else if let cert, let key {
                identity = try SMIMEIdentity(certificates: try SMIMECertificate.read(try SMIMECommand.read(cert, limit: SMIMECommand.maxKeyFileSize)),
                                             key: try SMIMECommand.read(key, limit: SMIMECommand.maxKeyFileSize), password: password)
            } else {
                throw ValidationError("give either --p12, or --cert and --key")
            }
            let imported = try await SMIMEKeyImporter(store: admin.store, dataDirectory: admin.config.dataDirectory).importAccount(address, identity: identity)
            let certificate = imported.certificate
            print("imported \(certificate.fingerprint) for \(address.canonical) (\(SMIMECommand.uses(certificate)), \(imported.chain) chain certificates, valid until \(ISO8601DateFormatter().string(from: certificate.notAfter)))")
        }
    }

    struct ImportCert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-cert", abstract: "Add correspondents' certificates (PEM with one or more, or DER), to encrypt mail to them.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The certificate file.") var file: String

        func run() async throws {
            let admin = try options.admin()
            let importer = SMIMEKeyImporter(store: admin.store, dataDirectory: admin.config.dataDirectory)
            for imported in try await importer.importContacts(try SMIMECommand.read(file, limit: SMIMECommand.maxKeyFileSize)) {
                print("imported \(imported.certificate.fingerprint) for \(imported.certificate.emails.joined(separator: ", "))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List stored certificates (all, or one account's).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Only this account's certificates.") var account: String?

        func run() async throws {
            let admin = try options.admin()
            let stored = try await admin.store.smimeCertificates(account: try account.map { try EmailAddress($0) })
            let formatter = ISO8601DateFormatter()
            print(Table.render(["FINGERPRINT", "OWNER", "ADDRESSES", "KEY", "USES", "STATE", "NOT AFTER"], stored.map { entry in
                let certificate = try? SMIMECertificate(der: entry.certificate)
                let owner = switch entry.owner {
                case .account(let address): address.canonical
                case .contact: "(contact)"
                }
                let state = certificate.map { $0.isValid() ? "valid" : "expired" } ?? "unreadable"
                return [entry.fingerprint, owner, entry.addresses.joined(separator: ", "), entry.sealedPrivateKey == nil ? "no" : "sealed",
                        certificate.map(SMIMECommand.uses) ?? "", state, formatter.string(from: entry.notAfter)]
            }))
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a certificate (and its key) by fingerprint.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The SHA-256 fingerprint, as `hato smime list` shows it.") var fingerprint: String

        func run() async throws {
            let cleaned = fingerprint.replacingOccurrences(of: ":", with: "").replacingOccurrences(of: " ", with: "").uppercased()
            try await options.admin().store.removeSMIMECertificate(fingerprint: cleaned)
            print("removed \(cleaned)")
        }
    }

    static func uses(_ certificate: SMIMECertificate) -> String {
        [certificate.canSign ? "sign" : nil, certificate.canEncrypt ? "encrypt" : nil].compactMap { $0 }.joined(separator: "+")
    }

    /// The first line of a password file (the password itself is never printed).
    static func password(from path: String) throws -> String {
        let bytes = try read(path, limit: 4096)
        return String(decoding: bytes.prefix { $0 != 0x0A && $0 != 0x0D }, as: UTF8.self)
    }

    /// The file, refused unread when larger than the limit.
    static func read(_ path: String, limit: Int) throws -> [UInt8] {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int else {
            throw ValidationError("cannot read \(path)")
        }
        guard size <= limit else { throw ValidationError("\(path) has \(size) bytes, more than \(limit)") }
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
