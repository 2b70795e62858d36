// `hato acme status [--json]`: each ACME certificate in the data directory, its names, expiry,
// issuer, next renewal and last error (docs/acme.md). Reads files only: works while
// `hato serve` runs.

import ArgumentParser
import HatoServer

struct ACMECommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acme", abstract: "Certificates from an ACME CA (RFC 8555).", subcommands: [Status.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show each certificate, its expiry, next renewal and last error.")
        @OptionGroup var options: ConfigOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let report = ACMEStatusReport(config: try options.load().settings)
            print(json ? try report.json() : report.text)
        }
    }
}
