// `hato spf check --ip IP --mail-from ADDRESS --helo NAME [--server HOST:PORT] [--json]`:
// RFC 7208 check_host() for the MAIL FROM identity (postmaster@HELO when it is empty),
// printing the result, the explanation and the mechanism that decided it.

import ArgumentParser
import DNSClient
import DNSMessage
import Foundation
import MailAuth

struct SPFCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spf", abstract: "Evaluate SPF (RFC 7208) as Hato's SMTP server would.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run check_host() for a client address and sender.")

        @Option(help: "The SMTP client's IP address.")
        var ip: String

        @Option(name: .customLong("mail-from"), help: "The MAIL FROM address; empty or <> checks postmaster@HELO.")
        var mailFrom: String

        @Option(help: "The HELO/EHLO name.")
        var helo: String

        @Option(help: "The DNS server to ask, as HOST:PORT (default: /etc/resolv.conf).")
        var server: String?

        @Option(help: "This host's name, for the %{r} macro.")
        var receiver: String = "unknown"

        @Flag(help: "Also check the HELO identity (RFC 7208 §2.3) and print both.")
        var checkHelo = false

        @Flag(help: "Print {\"result\": ..., \"explanation\": ..., \"mechanism\": ...}.")
        var json = false

        func run() async throws {
            guard let address = IPAddress(ip) else { throw ValidationError("--ip must be an IPv4 or IPv6 address") }
            let configuration = try DNSCommand.configuration(server: server, validating: false, timeout: 5)
            let verifier = SPFVerifier(resolver: DNSClient(configuration: configuration), receivingHost: receiver)
            var outcomes = [await verifier.checkMailFrom(ip: address, mailFrom: mailFrom, helo: helo)]
            if checkHelo { outcomes.append(await verifier.checkHELO(ip: address, helo: helo)) }
            for outcome in outcomes {
                print(json ? try SPFCommand.json(outcome) : SPFCommand.text(outcome))
            }
        }
    }

    static func json(_ outcome: SPFOutcome) throws -> String {
        let object: [String: Any] = [
            "result": outcome.result.rawValue,
            "explanation": outcome.explanation ?? NSNull(),
            "mechanism": outcome.mechanism ?? NSNull(),
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    static func text(_ outcome: SPFOutcome) -> String {
        var lines = ["identity: \(outcome.identity.rawValue) (\(outcome.sender))", "result: \(outcome.result.rawValue)"]
        if let mechanism = outcome.mechanism { lines.append("mechanism: \(mechanism)") }
        if let explanation = outcome.explanation { lines.append("explanation: \(explanation)") }
        if let problem = outcome.problem { lines.append("problem: \(problem)") }
        return lines.joined(separator: "\n")
    }
}
