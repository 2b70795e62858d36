import ArgumentParser
import Foundation
import HatoServer
import MailStore

struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Check, repair and migrate the mail store.", subcommands: [Check.self, Migrate.self])

    static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("hato store check: \(message)\n".utf8))
        return ExitCode(2)
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find inconsistencies between the database, the message files and the counters.",
            discussion: """
                Prints one line per problem, "<kind>: <detail>". On the SQLite store run it while `hato serve` is \
                stopped: it refuses to run while a server holds the data directory. On PostgreSQL it reads one \
                snapshot while the nodes serve, and reads every stored body back (docs/scaling.md). Exit status: 0 \
                consistent, 1 problems found (or left after --repair), 2 the check could not run. See docs/storage.md.
                """)
        @OptionGroup var options: ConfigOptions
        @Flag(help: """
            Fix what is safe to fix: unreferenced files move to lost+found/ in the data directory, messages \
            whose file is gone are expunged, counters are raised or recounted; then check again.
            """)
        var repair = false

        func run() async throws {
            let loaded = try options.load()
            let dataDirectory = loaded.settings.dataDirectory
            var lock: DataDirectoryLock?
            // The PostgreSQL store is checked in one read-only snapshot while nodes serve
            // (docs/scaling.md); the embedded one only while no server holds its data directory.
            if loaded.settings.store.backend == .sqlite {
                guard FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("hato.sqlite").path) else {
                    throw StoreCommand.fail("no store in \(dataDirectory.path) (data_dir)")
                }
                do {
                    lock = try DataDirectoryLock(dataDirectory: dataDirectory, mode: .exclusive)
                } catch let busy as DataDirectoryLock.Busy {
                    throw StoreCommand.fail("\(busy)")
                }
            }
            defer { withExtendedLifetime(lock) {} }
            let admin = try options.admin()
            guard let store = admin.store as? any StoreChecking else { throw StoreCommand.fail("this store cannot be checked") }
            if repair {
                for repair in try await store.repairStore() { print(repair.description) }
            }
            let report = try await store.checkStore()
            try await admin.store.close()
            let prefix = repair ? "after repair: " : ""
            for finding in report.findings { print(prefix + finding.description) }
            guard report.isClean else {
                let repairable = report.findings.count { $0.repairable }
                print("\(prefix)\(report.findings.count) problem(s) found, \(repairable) repairable with --repair")
                throw ExitCode(1)
            }
            print("\(prefix)store is consistent: \(report.summary)")
        }
    }
}
