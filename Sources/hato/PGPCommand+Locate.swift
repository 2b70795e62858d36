// `hato pgp locate ADDRESS [--import]`: finds a correspondent's certificate where their domain
// publishes it — Web Key Directory, OPENPGPKEY records — as reception does for an unknown signer
// (docs/openpgp.md#finding-keys), and prints what each method gave.

import ArgumentParser
import Foundation
import HatoServer
import Logging
import MailCore

extension PGPCommand {
    struct Locate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Look a correspondent's certificate up by Web Key Directory and OPENPGPKEY records; --import adds it to the contact directory.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The correspondent's address.") var address: String
        @Option(name: .customLong("method"), help: "wkd or openpgpkey, repeatable, in order (default: openpgp.lookup, else both).")
        var methods: [String] = []
        @Flag(name: .customLong("import"), help: "Add what is found to the contact directory.") var keep = false

        func run() async throws {
            let admin = try options.admin()
            var settings = admin.config.openpgpLookup
            if !methods.isEmpty {
                settings.methods = try methods.map {
                    guard let method = OpenPGPLookupSettings.Method(rawValue: $0.lowercased()) else {
                        throw ValidationError("--method \($0): neither wkd nor openpgpkey")
                    }
                    return method
                }
            } else if settings.methods.isEmpty {
                settings.methods = OpenPGPLookupSettings.Method.allCases
            }
            guard let resolver = DNSSetup.resolver(admin.config, logger: Logger(label: "hato.dns")) else {
                throw ValidationError("no DNS resolver: set [dns] servers")
            }
            let locator = OpenPGPKeyLocator(settings: settings, resolver: resolver, store: admin.store,
                                            limits: admin.config.openpgp.limits, logger: Logger(label: "hato.openpgp"))
            let report = await locator.report(try EmailAddress(address))
            for attempt in report.attempts { print("\(attempt.method): \(attempt.outcome)") }
            guard let source = report.source else { throw ExitCode(1) }
            for certificate in report.certificates {
                print("\(certificate.fingerprint) \(certificate.userIDs.filter(\.valid).map(\.text).joined(separator: ", ")) (\(source))")
            }
            if keep {
                for stored in try await locator.keep(report.certificates) { print("imported \(stored.fingerprint) into the contact directory") }
            }
        }
    }
}
