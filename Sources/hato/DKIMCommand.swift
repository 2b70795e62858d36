// `hato dkim keygen|list|rotate|remove|sign|verify`: DKIM keys in the store, and signing and
// verifying a message file as the server would (RFC 6376, RFC 8301, RFC 8463).

import ArgumentParser
import DNSClient
import DNSMessage
import Foundation
import HatoServer
import MailAuth
import MailCore
import MailStore

struct DKIMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dkim", abstract: "Manage DKIM keys; sign and verify messages (RFC 6376).",
        subcommands: [Keygen.self, List.self, Rotate.self, Remove.self, Sign.self, Verify.self])

    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create signing keys for a domain and print the DNS TXT records to publish.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The signing domain (d=), usually the From domain of your users.") var domain: String
        @Option(help: "The selector (s=). With --algorithm both, the keys get S-rsa and S-ed25519.") var selector: String
        @Option(help: "rsa, ed25519 or both (RFC 8463 §5: sign with both).") var algorithm: String = "both"
        @Option(help: "RSA key size in bits.") var bits: Int = 2048

        func run() async throws {
            let domain = try Domain(domain)
            let algorithms: [DKIMKeyAlgorithm] = switch algorithm.lowercased() {
            case "rsa": [.rsa]
            case "ed25519": [.ed25519]
            case "both": [.rsa, .ed25519]
            default: throw ValidationError("--algorithm must be rsa, ed25519 or both")
            }
            let manager = DKIMKeyManager(store: try options.admin().store)
            let generated = try await manager.generate(domain: domain, selector: selector, algorithms: algorithms, rsaBits: bits)
            for key in generated {
                print("; \(key.key.algorithm.rawValue)-\(key.bits) key, selector \(key.key.selector)")
                print(key.zoneFileLine)
            }
            if generated.first?.key.active == true {
                print("; these are the first keys of \(domain): they are active and sign mail now. Publish the records above.")
            } else {
                print("; not active yet: publish the records above, wait for the old TTL to pass, then run: hato dkim rotate \(domain)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List DKIM keys (private keys are never printed).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Only this domain.") var domain: String?
        @Flag(help: "Also print each key's DNS TXT record.") var records = false

        func run() async throws {
            let keys = try await options.admin().store.dkimKeys(domain: try domain.map { try Domain($0) })
            let formatter = ISO8601DateFormatter()
            let described = try keys.map { try DKIMKeyManager.describe($0) }
            print(Table.render(["DOMAIN", "SELECTOR", "ALGORITHM", "CREATED", "STATE"], described.map {
                [$0.key.domain.name, $0.key.selector, "\($0.key.algorithm.rawValue)-\($0.bits)", formatter.string(from: $0.key.created),
                 $0.key.active ? "active" : "inactive"]
            }))
            if records { for key in described { print(key.zoneFileLine) } }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the newest inactive keys of a domain active (after their DNS records are published).")
        @OptionGroup var options: ConfigOptions
        @Argument var domain: String
        @Option(help: "The DNS server that must see the new records, as HOST:PORT (default: /etc/resolv.conf).")
        var server: String?
        @Flag(name: .customLong("skip-dns-check"), help: "Activate without checking that the new records are published.")
        var skipDNSCheck = false

        func run() async throws {
            let manager = DKIMKeyManager(store: try options.admin().store)
            let resolver: DNSClient? = skipDNSCheck ? nil
                : DNSClient(configuration: try DNSCommand.configuration(server: server, validating: false, timeout: 5))
            let (activated, retired) = try await manager.rotate(domain: try Domain(domain), checkingWith: resolver)
            print("active now: \(activated.map(\.selector).joined(separator: ", "))")
            if !retired.isEmpty {
                print("retired: \(retired.map(\.selector).joined(separator: ", ")) (keep their DNS records for a few days, "
                      + "then remove them with hato dkim remove)")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a key (unpublish its DNS record afterwards).")
        @OptionGroup var options: ConfigOptions
        @Argument var domain: String
        @Option var selector: String

        func run() async throws {
            try await options.admin().store.removeDKIMKey(domain: try Domain(domain), selector: selector)
            print("removed DKIM key \(selector) of \(domain)")
        }
    }

    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign a message file with a stored key and print it.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The message (RFC 5322; LF or CRLF line ends).") var file: String
        @Option(help: "The signing domain (d=).") var domain: String
        @Option(help: "The selector of a stored key (see hato dkim list).") var selector: String

        func run() async throws {
            let message = try DKIMCommand.read(file)
            let manager = DKIMKeyManager(store: try options.admin().store)
            let keys = try await manager.signingKeys(domain: try Domain(domain), selector: selector)
            guard !keys.isEmpty else { throw DKIMKeyManagerError.noKeys("\(domain) selector \(selector)") }
            let signed = try DKIMSigner(keys: keys).sign(message, now: Date())
            FileHandle.standardOutput.write(Data(signed))
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify every DKIM-Signature of a message file. Exit 0 when one passes, 1 when none does.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The message (RFC 5322; LF or CRLF line ends).") var file: String
        @Option(help: "The DNS server to ask, as HOST:PORT (default: /etc/resolv.conf).") var server: String?
        @Option(help: "Signatures verified, from the top (default: [dkim] max_signatures).") var maxSignatures: Int?
        @Option(help: "Seconds of tolerance for t= and x= (default: [dkim] clock_skew).") var clockSkew: Int?
        @Flag(help: "Print a JSON array, one object per signature.") var json = false

        func run() async throws {
            let message = try DKIMCommand.read(file)
            let settings = try options.load().settings.dkim
            let configuration = try DNSCommand.configuration(server: server, validating: false, timeout: 5)
            let limits = DKIMVerifierConfiguration(maxSignatures: max(1, maxSignatures ?? settings.maxSignatures),
                                                   clockSkew: max(0, clockSkew ?? settings.clockSkew))
            let verifier = DKIMVerifier(resolver: DNSClient(configuration: configuration), configuration: limits)
            let results = await verifier.verify(message, now: Date())
            if json {
                print(try DKIMCommand.json(results))
            } else if results.isEmpty {
                print("no DKIM-Signature (dkim=none)")
            } else {
                print(results.map(DKIMCommand.text).joined(separator: "\n\n"))
            }
            guard results.contains(where: { $0.result == .pass }) else { throw ExitCode(1) }
        }
    }

    static func read(_ file: String) throws -> [UInt8] {
        do { return Array(try Data(contentsOf: URL(fileURLWithPath: file))) } catch {
            throw ValidationError("cannot read \(file): \(error.localizedDescription)")
        }
    }

    static func json(_ results: [DKIMSignatureResult]) throws -> String {
        let objects: [[String: Any]] = results.map { result in
            [
                "result": result.result.rawValue,
                "reason": result.reason ?? NSNull(),
                "domain": result.domain ?? NSNull(),
                "selector": result.selector ?? NSNull(),
                "identity": result.identity ?? NSNull(),
                "algorithm": result.algorithm ?? NSNull(),
                "key_bits": result.keyBits ?? NSNull(),
                "header_b": result.headerB ?? NSNull(),
                "body_length": result.bodyLength ?? NSNull(),
                "body_partially_signed": result.bodyPartiallySigned,
                "under_signed_headers": result.underSignedHeaders,
                "testing": result.testing,
            ]
        }
        let data = try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    static func text(_ result: DKIMSignatureResult) -> String {
        var lines = ["dkim=\(result.result.rawValue)"
            + (result.domain.map { " header.d=\($0)" } ?? "") + (result.selector.map { " header.s=\($0)" } ?? "")
            + (result.headerB.map { " header.b=\($0)" } ?? "")]
        if let algorithm = result.algorithm {
            lines.append("algorithm: \(algorithm)" + (result.keyBits.map { " (\($0)-bit key)" } ?? ""))
        }
        if let reason = result.reason { lines.append("reason: \(reason)") }
        return lines.joined(separator: "\n")
    }
}
