// `hato dns query NAME TYPE [--server HOST:PORT]`: one question to a recursive server, printed
// like a small dig. Servers come from /etc/resolv.conf unless --server is given.

import ArgumentParser
import DNSClient
import DNSMessage
import Foundation

struct DNSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dns", abstract: "Query DNS the way Hato's resolver does.", subcommands: [Query.self])

    struct Query: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask one question and print the response.",
            discussion: "An IP address with type PTR is turned into its in-addr.arpa or ip6.arpa name.")

        @Argument(help: "The name to look up.")
        var name: String

        @Argument(help: "The record type: A, AAAA, MX, TXT, PTR, CNAME, NS, SOA, SRV, TLSA, CAA, DS, DNSKEY, ... or TYPEnnn.")
        var type: String = "A"

        @Option(help: "The server to ask, as HOST:PORT or [V6]:PORT (default: /etc/resolv.conf).")
        var server: String?

        @Option(help: "Seconds to wait for each server.")
        var timeout: Int = 3

        @Flag(help: "Treat the server as DNSSEC-validating: send DO and trust its AD bit.")
        var validating = false

        @Flag(help: "Validate DNSSEC in process (libunbound), the server(s) as forwarders, and print the verdict and why.")
        var dnssec = false

        @Option(help: "Trust anchor file (DS or DNSKEY records) for --dnssec.")
        var trustAnchorFile = "/usr/share/dns/root.key"

        func run() async throws {
            guard let recordType = DNSRecordType(type) else {
                throw ValidationError("unknown record type \(type)")
            }
            let queryName: DNSName
            if recordType == .ptr, let address = IPAddress(name) {
                queryName = address.reverseName
            } else {
                do { queryName = try DNSName(name) } catch { throw ValidationError("invalid name \(name)") }
            }
            let configuration = try DNSCommand.configuration(server: server, validating: validating, timeout: timeout)
            if dnssec {
                return try await DNSCommand.validatedQuery(queryName, recordType, servers: configuration.servers,
                                                           trustAnchorFile: trustAnchorFile)
            }
            let client = DNSClient(configuration: configuration)
            do {
                let (response, used) = try await client.query(queryName, recordType)
                print(DNSCommand.render(response, server: used), terminator: "")
            } catch {
                FileHandle.standardError.write(Data("hato dns: \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
    }

    static func configuration(server: String?, validating: Bool, timeout: Int) throws -> DNSClientConfiguration {
        var configuration: DNSClientConfiguration
        if let server {
            guard let parsed = DNSServer(parsing: server, validating: validating) else {
                throw ValidationError("--server must be an IP address with an optional port, e.g. 127.0.0.1:53")
            }
            configuration = DNSClientConfiguration(servers: [parsed])
        } else {
            configuration = (try? DNSClientConfiguration.system()) ?? DNSClientConfiguration.parsingResolvConf("")
            configuration.servers = configuration.servers.map {
                DNSServer(host: $0.host, port: $0.port, validating: validating)
            }
        }
        configuration.timeout = .seconds(Int64(max(1, timeout)))
        return configuration
    }

    /// A dig-like rendering: header line, then each section in presentation form.
    static func render(_ response: DNSMessage, server: DNSServer) -> String {
        var flags: [String] = []
        if response.isResponse { flags.append("qr") }
        if response.authoritativeAnswer { flags.append("aa") }
        if response.truncated { flags.append("tc") }
        if response.recursionDesired { flags.append("rd") }
        if response.recursionAvailable { flags.append("ra") }
        if response.authenticData { flags.append("ad") }
        if response.checkingDisabled { flags.append("cd") }
        var out = ";; server \(server), id \(response.id), status \(response.responseCode), flags: \(flags.joined(separator: " "))\n"
        if let edns = response.edns {
            out += ";; EDNS version \(edns.version), udp \(edns.udpPayloadSize)\(edns.dnssecOK ? ", do" : "")"
            let codes = edns.extendedErrorCodes
            out += codes.isEmpty ? "\n" : ", extended errors \(codes.map(String.init).joined(separator: ","))\n"
        }
        out += "\n;; QUESTION\n"
        for question in response.questions { out += "\(question.name) \(question.questionClass) \(question.type)\n" }
        for (title, records) in [("ANSWER", response.answers), ("AUTHORITY", response.authorities),
                                 ("ADDITIONAL", response.additionals)] where !records.isEmpty {
            out += "\n;; \(title)\n"
            for record in records { out += record.description + "\n" }
        }
        return out
    }
}
