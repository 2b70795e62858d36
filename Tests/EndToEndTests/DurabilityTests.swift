import Foundation
import HatoTesting
import MailCore
import MailStore
import MailStoreSQLite
import Testing

/// A crash in the middle of appends: several `hato mailbox import --progress` processes write into
/// one store at once and are killed with SIGKILL. Every message they reported as stored must be
/// there, byte for byte, and nothing half-written may be visible.
@Suite(.heavy) struct DurabilityTests {
    @Test func sigkillDuringConcurrentAppendsLosesNothingAcknowledged() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-crash")
        let config = directory.url.appendingPathComponent("hato.toml").path
        try "data_dir = \"data\"\n[accounts]\nscram_iterations = 4096\n".write(toFile: config, atomically: true, encoding: .utf8)
        #expect(try await HatoBinary.run(["domain", "add", "example.test", "--config", config]).status == 0)
        #expect(try await HatoBinary.run(["account", "add", "a@example.test", "--password-stdin", "--config", config], stdin: "long enough pw\n").status == 0)

        // 2,000 distinct messages per mbox, about 2 KB each: far more than get stored before the kill.
        func message(_ box: Int, _ n: Int) -> String {
            "From x@example.test Sat Jan  3 01:05:34 1996\nSubject: box \(box) message \(n)\n\n" + String(repeating: "line \(n) of box \(box)\n", count: 100) + "\n"
        }
        let boxes = 3
        for box in 0..<boxes {
            let text = (1...2000).map { message(box, $0) }.joined()
            try text.write(to: directory.url.appendingPathComponent("box\(box).mbox"), atomically: true, encoding: .utf8)
        }
        let writers = try (0..<boxes).map { box in
            try HatoProcess(["mailbox", "import", "a@example.test", "Box\(box)",
                             directory.url.appendingPathComponent("box\(box).mbox").path, "--progress", "--config", config])
        }
        for writer in writers { try await writer.waitFor(timeout: .seconds(120), "40 stored messages") { out, _ in out.components(separatedBy: "stored UID").count > 40 } }
        for writer in writers { writer.signal(SIGKILL) }
        var acknowledged: [Int: [UInt32]] = [:]
        for (box, writer) in writers.enumerated() {
            #expect(await writer.exit() == SIGKILL)
            acknowledged[box] = writer.outputLines.compactMap { $0.hasPrefix("stored UID ") ? UInt32($0.dropFirst(11)) : nil }
        }

        let store = try SQLiteMailStore(directory: directory.url.appendingPathComponent("data"))
        // A kill between a body's write and its commit leaves an unreferenced file (hato serve
        // sweeps those); anything else the store check finds is damage.
        let findings = try await store.checkStore().findings.filter { ![.orphanBody, .unfinishedBody].contains($0.problem) }
        #expect(findings == [])
        let account = try #require(try await store.account(try EmailAddress("a@example.test")))
        var total = 0
        for box in 0..<boxes {
            let mailbox = try #require(try await store.mailbox(of: account.id, named: "Box\(box)"))
            let stored = try await store.messages(in: mailbox.id)
            let storedUIDs = Set(stored.map(\.uid))
            for uid in acknowledged[box]! { #expect(storedUIDs.contains(uid), "acknowledged UID \(uid) of Box\(box) missing") }
            // UIDs are given in file order, so UID n holds message n: check every stored body in full.
            for item in stored {
                let body = try await store.readBody(item.body)
                // The message as stored: without the From line and the separating blank line, in CRLF.
                let text = message(box, Int(item.uid)).split(separator: "\n", maxSplits: 1)[1].dropLast()
                let complete = body == Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)
                #expect(complete, "Box\(box) UID \(item.uid) is not the complete message (\(body.count) bytes)")
                #expect(Int64(body.count) == item.size)
            }
            #expect(stored.count >= acknowledged[box]!.count)
            total += stored.count
        }
        #expect(try await store.account(id: account.id)?.usage.messages == Int64(total), "quota usage matches the messages present")
        try await store.close()
    }
}
