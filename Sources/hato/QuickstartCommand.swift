// `hato quickstart you@example.com --hostname mail.example.com [--public-ip ADDR ...]
// [--data-dir DIR] [--config FILE] [--password-stdin] [--force] [--json]`

import ArgumentParser
import DNSMessage
import Foundation
import HatoServer
import MailCore

struct QuickstartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quickstart",
        abstract: "Set up a production server for one domain and print the DNS records it needs.",
        discussion: """
            Writes hato.toml and a systemd unit (hato.service beside it), adds the domain, the account \
            (password generated and printed once, or --password-stdin), the aliases postmaster@, abuse@, \
            dmarc-reports@ and tls-reports@, and DKIM keys (ed25519 and rsa-2048). Refuses to overwrite an \
            existing file without --force; with --force, what the data directory already holds is kept.
            """)

    @Argument(help: "The first account, e.g. you@example.com; its domain is the mail domain.") var address: String
    @Option(help: "This server's host name: the MX target, HELO name and certificate name.") var hostname: String
    @Option(name: .customLong("public-ip"), help: "A public address of this server (repeat for IPv4 and IPv6). Default: the global addresses of this machine's interfaces.")
    var publicIPs: [String] = []
    @Option(name: .customLong("data-dir"), help: "The data directory.") var dataDir: String = "/var/lib/hato"
    @Option(help: "The configuration file to write.") var config: String = "/etc/hato/hato.toml"
    @Flag(help: "Read the account's password from the first line of standard input instead of generating one.")
    var passwordStdin = false
    @Flag(help: "Rewrite the configuration file and the unit if they exist.") var force = false
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() async throws {
        let address = try EmailAddress(address)
        var addresses: [IPAddress] = []
        for text in publicIPs {
            guard let ip = IPAddress(text) else { throw ValidationError("--public-ip \(text) is not an IPv4 or IPv6 address") }
            addresses.append(ip)
        }
        if addresses.isEmpty {
            addresses = PublicAddresses.detect()
            guard !addresses.isEmpty else {
                throw ValidationError("no public address on this machine's interfaces (behind NAT?): pass --public-ip with the address the world reaches")
            }
        }
        let password = passwordStdin ? try PasswordInput.read(fromStdin: true) : nil
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let result = try await Quickstart.run(Quickstart.Options(
            address: address, hostname: hostname, publicIPs: addresses, dataDirectory: dataDir, configFile: config,
            password: password, force: force, executable: executable))
        print(json ? try Self.json(result, detected: publicIPs.isEmpty) : Self.text(result, detected: publicIPs.isEmpty), terminator: "")
    }

    static func text(_ result: Quickstart.Result, detected: Bool) -> String {
        var out = result.actions.joined(separator: "\n") + "\n"
        if detected {
            out += "public addresses (found on this machine's interfaces; pass --public-ip if the world sees others): "
                + result.plan.input.publicIPs.map(\.description).joined(separator: ", ") + "\n"
        }
        if let password = result.generatedPassword {
            out += "\nThe password of \(result.account), shown this once (only a salted hash is stored):\n    \(password)\n"
        }
        out += "\n" + result.plan.zoneSnippet
        out += "\nStart the server:\n" + result.commands.map { "    " + $0 }.joined(separator: "\n") + "\n"
        out += "\nOnce the records are published, check them:\n    hato check dns \(result.plan.input.domain) --config \(result.configFile)\n"
        if !result.notes.isEmpty { out += "\n" + result.notes.map { "Note: " + $0 }.joined(separator: "\n") + "\n" }
        return out
    }

    static func json(_ result: Quickstart.Result, detected: Bool) throws -> String {
        let object: [String: Any] = [
            "config": result.configFile, "unit": result.unitFile, "data_dir": result.dataDirectory,
            "domain": result.plan.input.domain.name, "hostname": result.plan.input.hostname, "account": result.account.description,
            "password": result.generatedPassword ?? NSNull(), "public_ips": result.plan.input.publicIPs.map(\.description),
            "public_ips_detected": detected, "actions": result.actions, "dkim_selectors": result.dkimSelectors,
            "records": result.plan.jsonRecords, "zone": result.plan.zoneSnippet, "commands": result.commands, "notes": result.notes,
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
