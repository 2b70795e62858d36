import Foundation
import HatoTesting
import Testing

/// A downgrade is refused, not attempted: a store that a newer build migrated (simulated by
/// recording a migration this build does not know, or a newer body-file layout) makes `hato serve`
/// and the admin commands exit non-zero with a message that says what was found, which build wrote
/// it and what to do, and leaves every file in the data directory byte for byte as it was.
@Suite struct StoreDowngradeTests {
    /// A store made by this build, then changed the way a newer build would change it.
    static func newerStore(_ change: String) async throws -> StoreFixture.Unpacked {
        let store = StoreFixture.Unpacked(directory: try TemporaryDirectory(prefix: "hato-downgrade"))
        try store.writeConfig()
        _ = try await store.hato(["domain", "add", "example.test"])
        let added = try await HatoBinary.run(["account", "add", "alice@example.test", "--password-stdin", "--config", store.config],
                                             stdin: "alice long pw\n")
        #expect(added.status == 0, "\(added.stderr)")
        let recorded = try await store.hato(["account", "list"])
        #expect(recorded.contains("alice@example.test"))
        let edit = try await Python.run("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1]); db.executescript(sys.argv[2]); db.commit(); db.close()
            """, arguments: [store.directory.url.appendingPathComponent("data/hato.sqlite").path, change])
        #expect(edit.status == 0, "\(edit.stderr)")
        return store
    }

    /// Every file under the data directory with its bytes.
    static func files(_ store: StoreFixture.Unpacked) throws -> [String: Data] {
        let root = store.directory.url.appendingPathComponent("data")
        var result: [String: Data] = [:]
        for case let url as URL in FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) ?? .init() {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
            let name = String(url.path.dropFirst(root.path.count))
            result[name] = isDirectory.boolValue ? Data() : try Data(contentsOf: url)
        }
        return result
    }

    /// Runs `serve` and two admin commands against the store; each must refuse with `expected`.
    static func expectRefused(_ store: StoreFixture.Unpacked, _ expected: [String]) async throws {
        let before = try files(store)
        #expect(before["/hato.sqlite"] != nil)
        for command in [["account", "list"], ["queue", "list"], ["serve"]] {
            let result = try await HatoBinary.run(command + ["--config", store.config], timeout: .seconds(60))
            #expect(result.status != 0 && result.status != SIGKILL, "hato \(command) must exit with an error: \(result.status)")
            for text in expected + ["refuses to open it; nothing was changed", "Run the newer hato again, or restore the backup",
                                    "Upgrades and downgrades"] {
                #expect(result.stderr.contains(text), "hato \(command): \(result.stderr)")
            }
            #expect(!result.stdout.contains("listening on") && !result.stdout.contains("alice@example.test"), "\(result.stdout)")
        }
        let after = try files(store)
        let added = Set(before.keys).symmetricDifference(after.keys).sorted()
        let changed = before.keys.filter { after[$0] != nil && after[$0] != before[$0] }.sorted()
        #expect(after == before, "the data directory is byte for byte unchanged: files added or removed \(added), changed \(changed)")
    }

    @Test func storeMigratedByANewerBuildIsRefusedUntouched() async throws {
        let store = try await Self.newerStore("""
            INSERT INTO grdb_migrations (identifier) VALUES ('v9-from-the-future');
            UPDATE store_format SET value = 'hato 9.0.0 (schema v9-from-the-future)' WHERE key = 'migrated_by';
            """)
        let latest = try #require(try await StoreFixture.currentMigrations().last)
        try await Self.expectRefused(store, [
            "/data/hato.sqlite was upgraded by a newer Hato (hato 9.0.0 (schema v9-from-the-future))",
            "schema migrations this build does not know: \"v9-from-the-future\"",
            "This build (hato ", ") knows the schema up to \"\(latest)\"",
        ])
    }

    /// A newer build that left no record of itself (or a store edited by hand) is refused too.
    @Test func unknownMigrationWithoutAWriterIsRefused() async throws {
        let store = try await Self.newerStore("""
            INSERT INTO grdb_migrations (identifier) VALUES ('v6-something-else');
            DELETE FROM store_format WHERE key = 'migrated_by';
            """)
        try await Self.expectRefused(store, [
            "upgraded by a newer Hato (a build that did not record its version)", "\"v6-something-else\"",
        ])
    }

    @Test func newerBodyFileLayoutIsRefused() async throws {
        let store = try await Self.newerStore("UPDATE store_format SET value = '2' WHERE key = 'body_layout';")
        try await Self.expectRefused(store, ["message files in layout 2 (this build reads layout 1)"])
    }

    /// Opening an earlier format records which build migrated it, and the store still opens again.
    @Test func upgradeRecordsTheBuild() async throws {
        let name = try #require(StoreFixture.names.first, "no store fixtures")
        let store = try await StoreFixture.unpack(name)
        try store.writeConfig()
        #expect(try await store.hato(["account", "list"]).contains("alice@example.test"))
        let read = try await Python.run("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            print(dict(db.execute("SELECT key, value FROM store_format")))
            """, arguments: [store.directory.url.appendingPathComponent("data/hato.sqlite").path])
        let latest = try #require(try await StoreFixture.currentMigrations().last)
        #expect(read.stdout.hasPrefix("{'body_layout': '1', 'migrated_by': 'hato ") && read.stdout.hasSuffix(" (schema \(latest))'}\n"),
                "\(read.stdout) \(read.stderr)")
        #expect(try await store.hato(["account", "list"]).contains("alice@example.test"))
    }
}
