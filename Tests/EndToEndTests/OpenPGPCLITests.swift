import Foundation
import HatoTesting
import Testing

/// `hato pgp import|import-contact|list|remove` through the real binary, with certificates GnuPG
/// exported: what is refused says why, what is taken lists and goes away again.
@Suite(.heavy, .enabled(if: GnuPGAvailability.available || GnuPGAvailability.required, "gpg is not installed"))
struct OpenPGPCLITests {
    let workspace: CLIWorkspace
    var directory: TemporaryDirectory { workspace.directory }
    var configPath: String { workspace.configPath }

    init() throws {
        workspace = try CLIWorkspace(prefix: "hato-pgp-cli")
    }

    func hato(_ arguments: String..., stdin: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await workspace.hato(arguments, stdin: stdin)
    }

    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = directory.url.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    @Test func importListRemove() async throws {
        let keys = try await GnuPGTestKeys.shared
        #expect(try await hato("domain", "add", "example.com").status == 0)
        for user in ["alice", "dave", "erin"] {
            #expect(try await hato("account", "add", "\(user)@example.com", "--password-stdin", stdin: "a long password\n").status == 0)
        }
        let alice = try keys.fingerprint("alice"), bob = try keys.fingerprint("bob")

        let armored = try file("alice.asc", try await keys.export("alice"))
        let imported = try await hato("pgp", "import", "Alice@example.com", armored)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.hasPrefix("imported \(alice) for alice@example.com (encryption keys: "))

        let bobFile = try file("bob.gpg", try await keys.export("bob", armored: false))
        let wrongUser = try await hato("pgp", "import", "alice@example.com", bobFile)
        #expect(wrongUser.status != 0)
        #expect(wrongUser.stderr.contains("certificate \(bob) has no valid User ID with alice@example.com (it has: Bob <bob@example.com>)"),
                "\(wrongUser.stderr)")
        let signOnly = try await hato("pgp", "import", "dave@example.com", try file("dave.asc", try await keys.export("dave")))
        #expect(signOnly.stderr.contains("has no valid encryption subkey"), "\(signOnly.stderr)")
        let expired = try await hato("pgp", "import", "erin@example.com", try file("erin.asc", try await keys.export("erin")))
        #expect(expired.stderr.contains("has no valid encryption subkey"), "\(expired.stderr)")
        let revoked = try await hato("pgp", "import-contact", try file("carol.asc", try await keys.export("carol")))
        #expect(revoked.stderr.contains("certificate \(try keys.fingerprint("carol")) is revoked"), "\(revoked.stderr)")
        let noAccount = try await hato("pgp", "import", "bob@example.com", bobFile)
        #expect(noAccount.stderr.contains("no account bob@example.com"), "\(noAccount.stderr)")
        let garbage = try await hato("pgp", "import-contact", try file("garbage.txt", Array("not a key\n".utf8)))
        #expect(garbage.status != 0 && garbage.stderr.contains("not an OpenPGP certificate"), "\(garbage.stderr)")

        let contact = try await hato("pgp", "import-contact", bobFile)
        #expect(contact.stdout == "imported \(bob) for bob@example.com\n", "\(contact.stderr)")

        let listed = try await hato("pgp", "list")
        let rows = listed.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        try #require(rows.count == 3, "\(listed.stdout) \(listed.stderr)")
        #expect(rows[0].prefix(2) == ["FINGERPRINT", "OWNER"])
        #expect(Array(rows[1].prefix(6)) == [alice, "alice@example.com", "Alice", "<alice@example.com>", "1", "valid"], "\(rows[1])")
        #expect(Array(rows[2].prefix(6)) == [bob, "(contact)", "Bob", "<bob@example.com>", "1", "valid"], "\(rows[2])")
        #expect(try await hato("pgp", "list", "dave@example.com").stdout.split(separator: "\n").count == 1, "only the heading")

        #expect(try await hato("pgp", "remove", bob).status == 0)
        let again = try await hato("pgp", "remove", bob)
        #expect(again.status != 0 && again.stderr.contains("no OpenPGP certificate \(bob)"), "\(again.stderr)")
        #expect(try await hato("pgp", "list").stdout.split(separator: "\n").count == 2)
    }
}
