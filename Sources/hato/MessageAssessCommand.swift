// `hato message assess FILE --to RCPT [--mail-from ADDR] [--ip ADDR] [--helo NAME] [--server HOST:PORT] [--json]`:
// the MX listener's risk assessment (issue 18) on a message file, with the authentication
// `hato auth check` runs when --ip is given, printing each signal with its evidence.

import ArgumentParser
import DNSClient
import DNSMessage
import Foundation
import HatoServer
import MailAuth
import MailCore
import MailStore
import RiskAssessment

extension MessageCommand {
    struct Assess: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Assess a message file as the MX listener would: signals with evidence, score and verdict.")

        @Argument(help: "The message (RFC 5322, CRLF or LF line ends); '-' reads standard input.")
        var file: String

        @Option(name: .customLong("to"), help: "An envelope recipient (repeat for several).")
        var recipients: [String]

        @Option(name: .customLong("mail-from"), help: "The MAIL FROM address; empty or <> for the null reverse-path.")
        var mailFrom: String?

        @Option(help: "The SMTP client's IP address: SPF, DKIM, ARC and DMARC run (as hato auth check) and feed dmarc-fail.")
        var ip: String?

        @Option(help: "The HELO/EHLO name (default: the --ip address).")
        var helo: String?

        @Option(help: "The DNS server to ask for authentication, as HOST:PORT (default: /etc/resolv.conf).")
        var server: String?

        @Option(help: "A hato.toml whose [risk] keys and store (our domains, correspondents) are used (default: $HATO_CONFIG; without either, built-in defaults and no store).")
        var config: String?

        @Flag(help: "Print JSON: {\"verdict\", \"score\", \"signals\": [{\"name\", \"weight\", \"detail\"}], \"authentication\"}.")
        var json = false

        func run() async throws {
            let bytes: [UInt8]
            if file == "-" {
                bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
            } else {
                guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
                bytes = Array(data)
            }
            let message = Self.crlf(bytes)
            let to = try recipients.map { text -> EmailAddress in
                do { return try EmailAddress(text) } catch { throw ValidationError("--to \(text): not an address") }
            }
            var path = mailFrom ?? ""
            if path.hasPrefix("<") && path.hasSuffix(">") && path.count >= 2 { path = String(path.dropFirst().dropLast()) }
            let sender: EmailAddress? = path.isEmpty ? nil : try { () throws -> EmailAddress in
                do { return try EmailAddress(path) } catch { throw ValidationError("--mail-from \(path): not an address") }
            }()
            let configPath = (config ?? ProcessInfo.processInfo.environment["HATO_CONFIG"]).flatMap { $0.isEmpty ? nil : $0 }
            let settings = try configPath.map { try ConfigLoader.load(file: $0).settings }
            var store: (any MailStore)? = nil
            if let settings, FileManager.default.fileExists(atPath: settings.dataDirectory.appendingPathComponent("hato.sqlite").path) {
                store = try StoreFactory.open(settings)
            }
            var verdict: InboundVerdict? = nil
            if let ip {
                guard let address = IPAddress(ip) else { throw ValidationError("--ip must be an IPv4 or IPv6 address") }
                let configuration = try DNSCommand.configuration(server: server, validating: false, timeout: 5)
                let authenticator = InboundAuthenticator(
                    resolver: DNSClient(configuration: configuration), authservID: settings?.hostname ?? ProcessInfo.processInfo.hostName,
                    dkim: settings?.dkim.verifierConfiguration ?? DKIMVerifierConfiguration(), localPolicy: settings?.dmarcLocalPolicy ?? DMARCLocalPolicy())
                verdict = await authenticator.authenticate(InboundAuthenticationRequest(
                    message: message, clientIP: address, mailFrom: path, helo: helo ?? ip))
            }
            let report = await OfflineAssessment.run(message, settings: settings, store: store, recipients: to, mailFrom: sender,
                                                     clientIP: ip, helo: helo ?? ip, authentication: verdict)
            try await store?.close()
            print(json ? try Self.json(report) : Self.text(report), terminator: json ? "\n" : "")
        }

        /// Message files are often saved with LF line ends; the listener sees CRLF.
        static func crlf(_ bytes: [UInt8]) -> [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + bytes.count / 40)
            var previous: UInt8 = 0
            for byte in bytes {
                if byte == 0x0A && previous != 0x0D { out.append(0x0D) }
                out.append(byte)
                previous = byte
            }
            return out
        }

        static func number(_ value: Double) -> Any {
            let rounded = (value * 100).rounded() / 100
            return rounded == rounded.rounded() ? Int(rounded) as Any : rounded as Any
        }

        /// Exactly issue 18's shape: verdict, score, signals (name, weight, detail), authentication.
        static func json(_ report: RiskReport) throws -> String {
            let authentication: Any = report.authentication.map { auth -> [String: Any] in
                ["spf": auth.spf, "dkim": auth.dkim.map { ["domain": $0.domain ?? NSNull(), "result": $0.result] as [String: Any] },
                 "dmarc": auth.dmarc, "dmarc_policy": auth.dmarcPolicy, "from_domain": auth.fromDomain ?? NSNull(),
                 "arc": auth.arc, "arc_sealer": auth.arcSealer ?? NSNull()]
            } ?? NSNull()
            let object: [String: Any] = [
                "verdict": report.verdict.rawValue, "score": number(report.score),
                "signals": report.signals.map { ["name": $0.name, "weight": number($0.weight), "detail": $0.detail] as [String: Any] },
                "authentication": authentication,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            return String(decoding: data, as: UTF8.self)
        }

        static func text(_ report: RiskReport) -> String {
            var out = "verdict: \(report.verdict.rawValue)\nscore:   \(RiskReport.format(report.score))\n"
            if report.signals.isEmpty {
                out += "signals: none\n"
            } else {
                out += "signals:\n"
                for signal in report.signals { out += "  \(signal.name) (\(RiskReport.format(signal.weight))): \(signal.detail)\n" }
            }
            if let auth = report.authentication {
                out += "authentication: spf=\(auth.spf) dkim=\(auth.dkim.map(\.result).joined(separator: ",").ifEmpty("none")) "
                    + "dmarc=\(auth.dmarc) (p=\(auth.dmarcPolicy)) arc=\(auth.arc)\n"
            }
            return out + "Hato-Risk: \(report.headerValue)\n"
        }
    }
}

extension String {
    func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
