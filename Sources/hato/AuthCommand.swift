// `hato auth check FILE --ip IP --mail-from ADDRESS --helo NAME [--server HOST:PORT] [--json]`:
// the whole inbound chain the MX listener runs (SPF, DKIM, ARC, DMARC and the `[dmarc]`
// disposition) on a message file, printing the Authentication-Results field it would add.

import ArgumentParser
import DNSClient
import DNSMessage
import Foundation
import HatoServer
import MailAuth

struct AuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth", abstract: "Authenticate a message as Hato's MX listener would (SPF, DKIM, ARC, DMARC).",
        subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the inbound checks on a message file and print the header.")

        @Argument(help: "The message (RFC 5322, CRLF or LF line ends).")
        var file: String

        @Option(help: "The SMTP client's IP address.")
        var ip: String

        @Option(name: .customLong("mail-from"), help: "The MAIL FROM address; empty or <> for the null reverse-path.")
        var mailFrom: String

        @Option(help: "The HELO/EHLO name.")
        var helo: String

        @Option(help: "The DNS server to ask, as HOST:PORT (default: /etc/resolv.conf).")
        var server: String?

        @Option(help: "The authserv-id written in the header (default: hostname of --config, else this host's name).")
        var hostname: String?

        @Option(help: "A hato.toml whose [dmarc] keys decide the disposition (default: built-in defaults).")
        var config: String?

        @Flag(help: "Print every verdict as JSON.")
        var json = false

        func run() async throws {
            guard let address = IPAddress(ip) else { throw ValidationError("--ip must be an IPv4 or IPv6 address") }
            let message: [UInt8]
            do { message = Array(try Data(contentsOf: URL(fileURLWithPath: file))) } catch {
                throw ValidationError("cannot read \(file): \(error.localizedDescription)")
            }
            var policy = DMARCLocalPolicy()
            var dkim = DKIMVerifierConfiguration()
            var authservID = hostname ?? ProcessInfo.processInfo.hostName
            if let config {
                let settings = try ConfigLoader.load(file: config).settings
                policy = settings.dmarcLocalPolicy
                dkim = settings.dkim.verifierConfiguration
                authservID = hostname ?? settings.hostname
            }
            var path = mailFrom
            if path.hasPrefix("<") && path.hasSuffix(">") && path.count >= 2 { path = String(path.dropFirst().dropLast()) }
            let configuration = try DNSCommand.configuration(server: server, validating: false, timeout: 5)
            let authenticator = InboundAuthenticator(resolver: DNSClient(configuration: configuration),
                                                     authservID: authservID, dkim: dkim, localPolicy: policy)
            let verdict = await authenticator.authenticate(InboundAuthenticationRequest(message: message, clientIP: address, mailFrom: path, helo: helo))
            print(json ? try AuthCommand.json(verdict) : AuthCommand.text(verdict), terminator: json ? "\n" : "")
        }
    }

    static func text(_ verdict: InboundVerdict) -> String {
        var text = verdict.authenticationResults.replacingOccurrences(of: "\r\n", with: "\n")
        text += "disposition: \(verdict.disposition.action.rawValue)"
        if let override = verdict.disposition.override { text += " (override: \(override.rawValue))" }
        return text + "\n"
    }

    static func json(_ verdict: InboundVerdict) throws -> String {
        func spf(_ outcome: SPFOutcome) -> [String: Any] {
            ["result": outcome.result.rawValue, "identity": outcome.identity.rawValue, "sender": outcome.sender,
             "domain": outcome.domain, "problem": outcome.problem ?? NSNull()]
        }
        let dmarc = verdict.dmarc
        let object: [String: Any] = [
            "authentication_results": verdict.authenticationResults.replacingOccurrences(of: "\r\n", with: "\n"),
            "spf": spf(verdict.spf),
            "spf_helo": verdict.spfHELO.map(spf) ?? NSNull(),
            "dkim": verdict.dkim.map { result -> [String: Any] in
                ["result": result.result.rawValue, "domain": result.domain ?? NSNull(), "selector": result.selector ?? NSNull(),
                 "algorithm": result.algorithm ?? NSNull(), "reason": result.reason ?? NSNull()]
            },
            "arc": ["result": verdict.arc.result.rawValue, "instance": verdict.arc.instance,
                    "oldest_pass": verdict.arc.oldestPass ?? NSNull(), "reason": verdict.arc.reason ?? NSNull()] as [String: Any],
            "dmarc": [
                "result": dmarc.result.rawValue, "policy": dmarc.evaluatedPolicy.rawValue, "problem": dmarc.problem ?? NSNull(),
                "domains": dmarc.evaluations.map { evaluation -> [String: Any] in
                    ["header_from": evaluation.authorDomain, "result": evaluation.result.rawValue,
                     "policy_domain": evaluation.policyDomain ?? NSNull(),
                     "organizational_domain": evaluation.organizationalDomain ?? NSNull(),
                     "requested_policy": evaluation.requestedPolicy?.rawValue ?? NSNull(),
                     "evaluated_policy": evaluation.evaluatedPolicy.rawValue, "spf_aligned": evaluation.spfAligned,
                     "dkim_aligned": evaluation.dkimAligned, "problem": evaluation.problem ?? NSNull()]
                },
            ] as [String: Any],
            "disposition": ["action": verdict.disposition.action.rawValue,
                            "override": verdict.disposition.override?.rawValue ?? NSNull()] as [String: Any],
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
