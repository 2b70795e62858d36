import Foundation
import HatoTesting
import Testing

/// The store fixtures in Fixtures/StoreFormats/<name>/: `data.tar.gz` (a data directory an
/// earlier build made) and `manifest.json` (what that build served from it), both written by
/// scripts/make-store-fixture.sh; `store_probe.py` reads a running server the same way for both.
enum StoreFixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/StoreFormats")

    static let names: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent("\($0)/manifest.json").path)
    }.sorted()

    static let oraclesAvailable = Python.hasModules("scramp", "aiosmtpd")

    struct Manifest: Decodable {
        struct Account: Codable { let address, password: String }
        struct Usage: Decodable { let messages, bytes: Int }
        struct QueueEntry: Decodable {
            struct Recipient: Decodable { let address, state: String; let attempts: Int }
            let id, from: String
            let size: Int
            let recipients: [Recipient]
            let bodySHA256: String
        }
        let commit: String
        let migrations: [String]
        let accounts: [Account]
        let domains, aliases: [String]
        let usage: [String: Usage]
        let mailboxList: [String: [[String: String]]]
        let senderPolicies: [String: String]?
        let dkimRecords: [String]?
        let queue: [QueueEntry]?
        let mailboxes: [Mailbox]

        var accountsJSON: String { String(decoding: try! JSONEncoder().encode(accounts), as: UTF8.self) }
    }

    struct Snapshot: Decodable { let mailboxes: [Mailbox] }

    struct Mailbox: Decodable, Equatable {
        struct Message: Decodable, Equatable {
            let uid, modSeq: Int
            let flags: [String]
            let size, internalDate: Int
            let sha256: String
        }
        let account, name: String
        let subscribed: Bool
        let uidValidity, uidNext, highestModSeq: Int
        let messages: [Message]
        let vanished: [Int]
        var key: String { "\(account) \(name)" }
    }

    static func manifest(_ name: String) throws -> Manifest {
        let data = try Data(contentsOf: directory.appendingPathComponent("\(name)/manifest.json"))
        return try JSONDecoder().decode(Manifest.self, from: data)
    }

    /// A fixture's data directory extracted into a fresh temporary directory (the fixture itself
    /// is never opened), with a config for it.
    struct Unpacked {
        let directory: TemporaryDirectory
        var config: String { directory.url.appendingPathComponent("hato.toml").path }

        func writeConfig(extra: String = "") throws {
            try """
                hostname = "mail.example.test"
                data_dir = "\(directory.url.appendingPathComponent("data").path)"
                [listen]
                submissions = ["127.0.0.1:0"]
                imaps = ["127.0.0.1:0"]
                pop3s = ["127.0.0.1:0"]
                [accounts]
                scram_iterations = 4096
                [auth]
                mechanisms = ["SCRAM-SHA-256", "PLAIN", "LOGIN"]
                delay_after_failures = 1000
                lockout_after_failures = 1000
                \(extra)
                """.write(toFile: config, atomically: true, encoding: .utf8)
        }

        /// `hato ARGS --config ...`, which must succeed; its standard output.
        func hato(_ arguments: [String]) async throws -> String {
            let result = try await HatoBinary.run(arguments + ["--config", config])
            guard result.status == 0 else { throw ConformanceFailure("hato \(arguments) exited \(result.status): \(result.stderr)") }
            return result.stdout
        }
    }

    static func unpack(_ name: String) async throws -> Unpacked {
        let unpacked = Unpacked(directory: try TemporaryDirectory(prefix: "hato-upgrade-\(name)"))
        let tar = try ChildProcess(executable: URL(fileURLWithPath: "/usr/bin/env"), arguments: [
            "tar", "-xzf", directory.appendingPathComponent("\(name)/data.tar.gz").path, "-C", unpacked.directory.url.path,
        ])
        tar.closeInput()
        guard await tar.exit(timeout: 60) == 0 else { throw ConformanceFailure("tar: \(tar.errorOutput)") }
        return unpacked
    }

    /// store_probe.py against a running server; its JSON answer decoded.
    static func probe<T: Decodable>(_ arguments: [String], as type: T.Type) async throws -> T {
        let script = directory.appendingPathComponent("store_probe.py").path
        let process = try ChildProcess(executable: URL(fileURLWithPath: "/usr/bin/env"), arguments: ["python3", script] + arguments)
        process.closeInput()
        let status = await process.exit(timeout: 120)
        guard status == 0 else { throw ConformanceFailure("store_probe.py \(arguments.first ?? "") failed: \(process.errorOutput)") }
        return try JSONDecoder().decode(T.self, from: Data(process.output.utf8))
    }

    /// The migrations of a store this build makes from nothing, in order: the current format.
    static func currentMigrations() async throws -> [String] {
        let fresh = Unpacked(directory: try TemporaryDirectory(prefix: "hato-format"))
        try fresh.writeConfig()
        _ = try await fresh.hato(["domain", "add", "example.test"])
        let read = try await Python.run("""
            import sqlite3, sys
            for (identifier,) in sqlite3.connect(sys.argv[1]).execute("SELECT identifier FROM grdb_migrations ORDER BY rowid"): print(identifier)
            """, arguments: [fresh.directory.url.appendingPathComponent("data/hato.sqlite").path])
        return read.stdout.split(separator: "\n").map(String.init)
    }

    /// A `hato ... list` table as rows keyed by column name.
    static func table(_ text: String) -> [[String: String]] {
        let lines = text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        guard let header = lines.first else { return [] }
        return lines.dropFirst().map { Dictionary(zip(header, $0), uniquingKeysWith: { first, _ in first }) }
    }
}

/// A remote SMTP server (aiosmtpd, PyPI) that accepts everything and records each message (envelope and content).
struct SMTPSink {
    struct Received: Decodable { let from: String; let to: [String]; let sha256: String }
    let process: ChildProcess
    let port: Int
    let file: URL

    static func start(in directory: TemporaryDirectory) async throws -> SMTPSink {
        let file = directory.url.appendingPathComponent("sink.jsonl")
        let process = try Python.start("""
            import hashlib, json, socket, sys, threading
            from aiosmtpd.controller import Controller
            class Handler:
                async def handle_DATA(self, server, session, envelope):
                    digest = hashlib.sha256(envelope.original_content).hexdigest()
                    with open(sys.argv[1] + "." + digest + ".eml", "wb") as content:
                        content.write(envelope.original_content)
                    with open(sys.argv[1], "a") as out:
                        out.write(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos, "sha256": digest}) + "\\n")
                    return "250 2.0.0 OK"
            probe = socket.socket(); probe.bind(("127.0.0.1", 0)); port = probe.getsockname()[1]; probe.close()
            Controller(Handler(), hostname="127.0.0.1", port=port, decode_data=False).start()
            print("port", port)
            threading.Event().wait()
            """, arguments: [file.path])
        try await process.waitFor("the SMTP sink") { out, _ in out.contains("port ") }
        let port = try #require(Int(process.output.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
        return SMTPSink(process: process, port: port, file: file)
    }

    /// The message as received (the sink keeps each one beside its log, named by its SHA-256).
    func content(of received: Received) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: file.path + "." + received.sha256 + ".eml")))
    }

    func waitForMessages(_ count: Int, timeout: Duration = .seconds(60)) async throws -> [Received] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let lines = ((try? String(contentsOf: file, encoding: .utf8)) ?? "").split(separator: "\n")
            if lines.count >= count {
                return try lines.map { try JSONDecoder().decode(Received.self, from: Data($0.utf8)) }
            }
            guard ContinuousClock.now < deadline else { throw ConformanceFailure("the sink received \(lines.count) of \(count) messages") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
