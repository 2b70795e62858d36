// `hato smime verify|sign|encrypt|decrypt FILE`: the submission stage's operations on a message
// file, for operators and tests (docs/smime.md "Tools"). A file with bare LF line endings is
// read as CRLF (RFC 5322 §2.1); the result is written to standard output with CRLF.

import ArgumentParser
import Foundation
import Logging
import HatoServer
import MailAuth
import MailCore
import MailMessage
import Reception
import SMIME

extension SMIMECommand {
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a message's S/MIME signature against [smime] trust, its From address and (smime.revocation) its revocation status; exit 1 unless it passes.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The message file.") var file: String

        func run() async throws {
            let loaded = try options.load().settings
            let message = MIMEMessage(parsing: try SMIMECommand.message(file, limit: loaded.limits.maxMessageSize))
            let verifier = try loaded.smime.verifier()
            // Revocation as on reception (`smime.revocation`): OCSP and CRLs over http.
            let revocation = loaded.smime.revocationChecker(trust: verifier.trust)
            guard let result = await SMIMEStage.evaluate(message, verifier: verifier, revocation: revocation) else {
                print("smime=none (no S/MIME signature)")
                throw ExitCode(1)
            }
            print(result.encoded)
            if result.result != "pass" { throw ExitCode(1) }
        }
    }

    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign a message with an account's key (multipart/signed, SHA-256) to standard output.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The message file.") var file: String
        @Option(help: "The account whose key signs.") var account: String

        func run() async throws {
            let admin = try options.admin()
            let bytes = try SMIMECommand.message(file, limit: admin.config.limits.maxMessageSize)
            let identity = try await SMIMECommand.identity(admin, account)
            // smime.header_protection as on submission (RFC 9788: hp="clear").
            let split = admin.config.smime.headerProtection ? SMIMEComposer.protectingHeader(bytes, confidential: false) : SMIMEComposer.split(bytes)
            FileHandle.standardOutput.write(Data(try SMIMEComposer.signed(split, identity: identity, rsaPSS: admin.config.smime.rsaPSS)))
        }
    }

    struct Encrypt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encrypt a message to its recipients' certificates (To, Cc, Bcc, or --to) and the account's own, to standard output.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The message file.") var file: String
        @Option(help: "The sending account (its certificate is a recipient too, when it has one).") var account: String
        @Option(help: "Recipients instead of the message's To, Cc and Bcc.") var to: [String] = []

        func run() async throws {
            let admin = try options.admin()
            let bytes = try SMIMECommand.message(file, limit: admin.config.limits.maxMessageSize)
            let keyring = SMIMECommand.keyring(admin)
            let header = MIMEMessage(parsing: bytes).header
            let addresses = to.isEmpty
                ? ["To", "Cc", "Bcc"].flatMap { header.fields(named: $0) }.flatMap { AddressParser.parseList($0.unfoldedValue).mailboxes }
                    .map { "\($0.localPart)@\($0.domain ?? "")" }
                : to
            guard !addresses.isEmpty else { throw ValidationError("no recipients: the message has no To, Cc or Bcc, and no --to was given") }
            var certificates: [SMIMECertificate] = []
            for text in addresses {
                let address = try EmailAddress(text)
                guard let certificate = try await keyring.encryptionCertificate(for: address) else {
                    throw ValidationError("no S/MIME certificate for \(address) (hato smime import-cert)")
                }
                certificates.append(certificate)
            }
            if let own = try await keyring.identity(for: try EmailAddress(account))?.certificate, own.canEncrypt { certificates.append(own) }
            let split = admin.config.smime.headerProtection ? SMIMEComposer.protectingHeader(bytes, confidential: true) : SMIMEComposer.split(bytes)
            FileHandle.standardOutput.write(Data(try SMIMEComposer.encrypted(split, to: certificates, cipher: admin.config.smime.contentCipher)))
        }
    }

    struct Decrypt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decrypt an S/MIME encrypted message with an account's key, to standard output.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The message file.") var file: String
        @Option(help: "The account whose key decrypts.") var account: String

        func run() async throws {
            let admin = try options.admin()
            let bytes = try SMIMECommand.message(file, limit: admin.config.limits.maxMessageSize)
            let identity = try await SMIMECommand.identity(admin, account)
            FileHandle.standardOutput.write(Data(try SMIMEComposer.decrypted(bytes, identity: identity, limit: admin.config.smime.maxEncryptedSize)))
        }
    }

    struct DNS: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print SMIMEA records (RFC 8162) publishing accounts' certificates, for the domain's zone.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Only accounts in this domain.") var domain: String?
        @Option(help: "The records' TTL in seconds.") var ttl: UInt32 = 3600

        func run() async throws {
            let admin = try options.admin()
            let domain = try domain.map { try Domain($0) }
            let entries = try SMIMEARecords.entries(try await admin.store.smimeCertificates(account: nil), domain: domain, ttl: ttl)
            try MailboxKeyRecord.printZone(entries, domain: domain, importHint: "hato smime import ACCOUNT",
                                           heading: "SMIMEA 3 0 0: the whole certificate (RFC 8162); publish in a DNSSEC-signed zone (senders believe nothing else)")
        }
    }

    static func keyring(_ admin: Admin) -> SMIMEStoreKeyring {
        SMIMEStoreKeyring(store: admin.store, dataDirectory: admin.config.dataDirectory, policies: admin.config.smime.policies,
                          resolver: admin.config.smime.smimeaLookup ? DNSSetup.resolver(admin.config, logger: Logger(label: "hato.dns")) : nil,
                          rsaPSS: admin.config.smime.rsaPSS, contentCipher: admin.config.smime.contentCipher)
    }

    static func identity(_ admin: Admin, _ account: String) async throws -> SMIMEIdentity {
        let address = try EmailAddress(account)
        guard let identity = try await keyring(admin).identity(for: address) else {
            throw ValidationError("\(address.canonical) has no valid S/MIME key (hato smime import)")
        }
        return identity
    }

    /// A message file with CRLF line endings (bare LF become CRLF; CRLF stays as is).
    static func message(_ path: String, limit: Int) throws -> [UInt8] {
        let bytes = try read(path, limit: limit)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 32)
        var previous: UInt8 = 0
        for byte in bytes {
            if byte == 0x0A && previous != 0x0D { out.append(0x0D) }
            out.append(byte)
            previous = byte
        }
        return out
    }
}
