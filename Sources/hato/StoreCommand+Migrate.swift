import ArgumentParser
import Foundation
import HatoServer

extension StoreCommand {
    /// `hato store migrate --from sqlite --to postgres://user@host:port/database` (docs/scaling.md).
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the embedded SQLite store into a PostgreSQL database and verify the copy.",
            discussion: """
                Copies every table (accounts with their SCRAM keys, mailboxes with UIDVALIDITY, UIDNEXT and \
                HIGHESTMODSEQ, messages with their UIDs, MODSEQs, flags and bodies, the queue, keys, Sieve scripts, \
                report data) as one snapshot, then compares every row and hashes every body. The database must be \
                empty, or hold the partial copy of an earlier run (--resume). The password comes from --password-file, \
                else HATO_STORE_PASSWORD. Exit status: 0 copied and verified, 1 copied but not verified, 2 not \
                copied. See docs/scaling.md.
                """)
        @OptionGroup var options: ConfigOptions
        @Option(help: "\"sqlite\" for the configured data_dir, or the data directory of a SQLite store.")
        var from: String
        @Option(help: "The PostgreSQL database: postgres://user@host:port/database (no password in it).")
        var to: String
        @Option(help: "TLS to the database: disable, prefer or require.")
        var tls = "prefer"
        @Option(help: "File whose first line is the database password.")
        var passwordFile: String?
        @Flag(help: "Continue an interrupted copy into the database an earlier run wrote to.")
        var resume = false

        func run() async throws {
            let loaded = try options.load()
            let directory = from == "sqlite" ? loaded.settings.dataDirectory : URL(fileURLWithPath: from)
            var password = ProcessInfo.processInfo.environment["HATO_STORE_PASSWORD"]
            if let passwordFile {
                do {
                    let text = try String(contentsOfFile: passwordFile, encoding: .utf8)
                    password = String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
                        .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
                } catch {
                    throw Self.fail("cannot read \(passwordFile): \(error.localizedDescription)")
                }
            }
            let report: StoreMigrationReport
            do {
                report = try await StoreMigration.run(
                    sqliteDirectory: directory, url: to, tls: tls, password: password, config: loaded.settings,
                    options: StoreMigration.Options(resume: resume), progress: { print($0) })
            } catch {
                throw Self.fail("\(error)")
            }
            print(report.summary)
            if !report.verified { throw ExitCode(1) }
        }

        static func fail(_ message: String) -> ExitCode {
            FileHandle.standardError.write(Data("hato store migrate: \(message)\n".utf8))
            return ExitCode(2)
        }
    }
}
