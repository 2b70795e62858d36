// `hato check dns [DOMAIN] [--json] [--server ADDR:PORT]` and `hato check tls`: what the world
// sees of this server, checked against what it should see.

import ArgumentParser
import DNSClient
import DNSMessage
import Foundation
import HatoServer
import Logging
import MailCore

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Check DNS and TLS as the world sees them.", subcommands: [DNS.self, TLS.self])

    struct DNS: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every DNS record hato quickstart prints: ok, missing or wrong. Exit 1 on any problem.",
            discussion: "Asks the resolvers of [dns] (or --server). SPF is evaluated for each of [server] public_ips, DKIM keys are compared with the store's, the MX host and reverse DNS must lead back to this server.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The domain to check (default: every domain in the store).") var domain: String?
        @Option(help: "The DNS server to ask, as HOST:PORT (default: [dns] servers, else /etc/resolv.conf).") var server: String?
        @Option(help: "Seconds to wait for each answer.") var timeout: Int = 5
        @Flag(help: "Print one JSON object.") var json = false

        func run() async throws {
            let loaded = try options.load()
            let settings = loaded.settings
            guard !settings.server.publicIPs.isEmpty else {
                throw ValidationError("set [server] public_ips to this server's public addresses first (hato quickstart writes them)")
            }
            let store = try StoreFactory.open(settings)
            let domains = if let domain { [try Domain(domain)] } else { try await store.domains() }
            guard !domains.isEmpty else { throw ValidationError("no domain in the store: add one with hato domain add or hato quickstart") }
            let resolver: any DNSResolving
            if let server {
                resolver = DNSClient(configuration: try DNSCommand.configuration(server: server, validating: false, timeout: timeout))
            } else if let configured = DNSSetup.resolver(settings, logger: Logger(label: "hato.dns")) {
                resolver = configured
            } else {
                throw ValidationError("no DNS resolver: set [dns] servers or pass --server")
            }
            let acmeDirectory: String? = if case .string(let text) = loaded.values["acme.directory"]?.value { text } else { nil }
            var results: [(domain: Domain, result: DNSCheckResult)] = []
            var seen = Set<String>()
            for domain in domains {
                let keys = try await store.activeDKIMKeys(domain: domain).map {
                    DomainRecordPlan.DKIMKey(selector: $0.selector, record: try DKIMKeyManager.describe($0).record)
                }
                var input = DomainRecordPlan.Input(settings: settings, domain: domain, dkimKeys: keys, acmeDirectory: acmeDirectory)
                input.mailboxKeys = try await DomainRecordPlan.mailboxKeys(store: store, domain: domain)
                let plan = try DomainRecordPlan(input)
                for result in await DomainRecordChecker(resolver: resolver).check(plan) {
                    // The host's own records (A/AAAA, HELO SPF, PTR) are shared by every domain: once.
                    guard seen.insert("\(result.purpose.rawValue) \(result.name) \(result.type)").inserted else { continue }
                    results.append((domain, result))
                }
            }
            try? await store.close()
            print(json ? try Self.json(results) : Self.text(results, settings: settings), terminator: "")
            if results.contains(where: { $0.result.isProblem }) { throw ExitCode(1) }
        }

        static func text(_ results: [(domain: Domain, result: DNSCheckResult)], settings: HatoConfig) -> String {
            var out = ""
            var current: Domain?
            for (domain, result) in results {
                if domain != current {
                    out += "\(domain) (mail host \(settings.hostname), \(settings.server.publicIPs.map(\.description).joined(separator: ", ")))\n"
                    current = domain
                }
                let status = result.status == .ok ? "ok" : result.status.rawValue.uppercased()
                let head = status.padding(toLength: 8, withPad: " ", startingAt: 0) + result.type.description.padding(toLength: 6, withPad: " ", startingAt: 0)
                    + "\(result.name) (\(result.purpose.rawValue))"
                if result.status == .ok {
                    out += head + "  " + shorten(result.found.joined(separator: ", ")) + "\n"
                } else {
                    out += head + "\n"
                    out += "        expected " + result.expected.map(shorten).joined(separator: "\n                 ") + "\n"
                    if !result.found.isEmpty { out += "        found    " + result.found.map(shorten).joined(separator: "\n                 ") + "\n" }
                }
                if let detail = result.detail { out += "        " + detail + "\n" }
            }
            let problems = results.filter { $0.result.isProblem }.count
            out += problems == 0 ? "all \(results.count) record sets ok\n" : "\(problems) of \(results.count) record sets have problems\n"
            return out
        }

        static func shorten(_ text: String) -> String { text.count > 90 ? String(text.prefix(87)) + "..." : text }

        static func json(_ results: [(domain: Domain, result: DNSCheckResult)]) throws -> String {
            let problems = results.filter { $0.result.isProblem }.count
            let object: [String: Any] = [
                "ok": problems == 0, "problems": problems,
                "results": results.map { domain, result -> [String: Any] in
                    ["domain": domain.name, "purpose": result.purpose.rawValue, "name": result.name.description,
                     "type": result.type.description, "status": result.status.rawValue, "expected": result.expected,
                     "found": result.found, "detail": result.detail ?? NSNull()]
                },
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted])
            return String(decoding: data, as: UTF8.self) + "\n"
        }
    }

    struct TLS: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Connect to each listener (STARTTLS where needed) and report the certificate chain, names, expiry and TLS versions. Exit 1 on any problem.",
            discussion: "Listeners on 0.0.0.0 or :: are reached at the configured hostname, as clients reach them. TARGET overrides the list: KIND=HOST:PORT, e.g. imaps=127.0.0.1:993 or submission=mail.example.com:587.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Listeners to check instead of the configured ones, as KIND=HOST:PORT.") var targets: [String] = []
        @Option(help: "Connect to this host or address instead (the certificate must still name the hostname).") var connect: String?
        @Option(name: .customLong("ca-file"), help: "PEM file of the CAs to trust instead of the system's.") var caFile: String?
        @Option(help: "Seconds allowed for each connection.") var timeout: Int = 10
        @Flag(help: "Print one JSON object.") var json = false

        func run() async throws {
            let settings = try options.load().settings
            var list = TLSProbe.targets(settings, connectHost: connect)
            if !targets.isEmpty {
                list = try targets.map { try Self.target($0, serverName: settings.hostname) }
            }
            guard !list.isEmpty else { throw ValidationError("no listener to check in the configuration") }
            let probe = TLSProbe(timeout: .seconds(Int64(max(1, timeout))), caFile: caFile)
            var reports: [TLSProbe.Report] = []
            for target in list { reports.append(await probe.probe(target)) }
            print(json ? try Self.json(reports) : Self.text(reports), terminator: "")
            if reports.contains(where: { !$0.problems.isEmpty }) { throw ExitCode(1) }
        }

        static func target(_ text: String, serverName: String) throws -> TLSProbe.Target {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            let starts: [String: TLSProbeStart] = [
                "smtp": .smtp, "submission": .smtp, "submissions": .implicit, "imap": .imap, "imaps": .implicit,
                "pop3": .pop3, "pop3s": .implicit, "https": .implicit,
            ]
            guard parts.count == 2, let start = starts[parts[0]], let colon = parts[1].lastIndex(of: ":"),
                  let port = Int(parts[1][parts[1].index(after: colon)...]) else {
                throw ValidationError("\(text): expected KIND=HOST:PORT with KIND one of \(starts.keys.sorted().joined(separator: ", "))")
            }
            let host = parts[1][..<colon].trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            return TLSProbe.Target(kind: parts[0], host: host, port: port, start: start, serverName: serverName)
        }

        static func text(_ reports: [TLSProbe.Report]) -> String {
            let formatter = ISO8601DateFormatter()
            var out = ""
            for report in reports {
                let start = report.target.start == .implicit ? "implicit TLS" : "STARTTLS"
                out += "\(report.target.kind) \(report.target.address) (\(start), name \(report.target.serverName))\n"
                if let version = report.version { out += "  negotiated  \(version)\n" }
                for (index, certificate) in report.chain.enumerated() {
                    out += (index == 0 ? "  chain       " : "              ") + "\(index): \(certificate.subject)\n"
                    if index == 0 { out += "              names \(certificate.dnsNames.joined(separator: ", "))\n" }
                    out += "              issuer \(certificate.issuer), valid \(formatter.string(from: certificate.notBefore)) to \(formatter.string(from: certificate.notAfter))\n"
                }
                if report.error == nil { out += "  trusted     " + (report.trusted ? "yes" : "no: \(report.trustError ?? "")") + "\n" }
                if !report.versions.isEmpty { out += "  versions    " + report.versions.map { "\($0.0) \($0.1 ? "accepted" : "refused")" }.joined(separator: ", ") + "\n" }
                out += report.problems.isEmpty ? "  ok\n" : report.problems.map { "  PROBLEM     \($0)\n" }.joined()
            }
            return out
        }

        static func json(_ reports: [TLSProbe.Report]) throws -> String {
            let formatter = ISO8601DateFormatter()
            let objects: [[String: Any]] = reports.map { report in
                [
                    "kind": report.target.kind, "address": report.target.address, "starttls": report.target.start != .implicit,
                    "server_name": report.target.serverName, "negotiated": report.version ?? NSNull(), "error": report.error ?? NSNull(),
                    "chain": report.chain.map {
                        ["subject": $0.subject, "issuer": $0.issuer, "dns_names": $0.dnsNames,
                         "not_before": formatter.string(from: $0.notBefore), "not_after": formatter.string(from: $0.notAfter)] as [String: Any]
                    },
                    "names_match": report.namesMatch, "trusted": report.trusted, "trust_error": report.trustError ?? NSNull(),
                    "versions": Dictionary(uniqueKeysWithValues: report.versions.map { ($0.0, $0.1) }), "problems": report.problems,
                ]
            }
            let object: [String: Any] = ["ok": reports.allSatisfy { $0.problems.isEmpty }, "listeners": objects]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted])
            return String(decoding: data, as: UTF8.self) + "\n"
        }
    }
}
