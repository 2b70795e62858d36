import Foundation
import HatoTesting
import Testing

/// `hato serve` on the shared PostgreSQL store (docs/scaling.md): the real binary with
/// `[store] backend = "postgres"`, a password from `password_file`, a message in over SMTP and
/// read back over IMAP, and nothing of the store in the data directory.
@Suite(.heavy) struct PostgresServeTests {
    /// SMTP and IMAP on loopback over the PostgreSQL store at `url` (password from a file, no TLS).
    /// SMTP and IMAP listeners on the cluster's new database (`PostgresTestCluster.storeSection`).
    static func config(_ cluster: PostgresTestCluster, secrets: TemporaryDirectory) async throws -> String {
        """
            [listen]
            smtp = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096

            """ + (try await cluster.storeSection(passwordIn: secrets))
    }

    @Test func serveOnPostgresDeliversOverSMTPAndReadsOverIMAP() async throws {
        guard PostgresTestCluster.available else {
            if PostgresTestCluster.requiredInCI { Issue.record("PostgreSQL 15 missing in CI: .ci/run installs postgresql") }
            return
        }
        let cluster = try await PostgresTestCluster.shared()
        let directory = try TemporaryDirectory(prefix: "hato-e2e-pg")
        let config = try await Self.config(cluster, secrets: directory)
        // A password file as editors write it, with a final newline: the newline is not part of it.
        try (cluster.password + "\n").write(toFile: directory.url.appendingPathComponent("db-password").path, atomically: true, encoding: .utf8)
        let served = try await ServedHato.start(config, accounts: [("alice@example.test", "long enough pw")], directory: directory)
        let server = served.process

        let result = try await Python.run("""
            import smtplib, imaplib, sys
            smtp, imap = (int(x) for x in sys.argv[1:3])
            s = smtplib.SMTP("127.0.0.1", smtp)
            s.sendmail("friend@remote.test", ["alice@example.test"], b"Subject: via postgres\\r\\n\\r\\nstored in the database\\r\\n"); s.quit()
            m = imaplib.IMAP4("127.0.0.1", imap); m.login("alice@example.test", "long enough pw")
            typ, data = m.select("INBOX"); print(data[0].decode())
            typ, data = m.uid("FETCH", "1:*", "(UID BODY.PEEK[])")
            body = data[0][1].decode()
            print([l for l in body.split("\\r\\n") if l.startswith("Subject:")][0])
            print("stored in the database" in body)
            m.logout()
            """, arguments: [try served.port("smtp"), try served.port("imap")])
        #expect(result.stdout == "1\nSubject: via postgres\nTrue\n", "\(result.stdout) \(result.stderr) \(server.errorOutput)")
        #expect((server.output + server.errorOutput).contains("shared PostgreSQL store"), "the log names the store: \(server.errorOutput)")
        let data = directory.url.appendingPathComponent("data/hato.sqlite").path
        #expect(!FileManager.default.fileExists(atPath: data), "no SQLite store was made")
        #expect(await served.terminate() == 0)
        #expect(!server.errorOutput.contains(cluster.password), "the database password is not logged")
    }

    /// Two nodes on one database: a message received by one is read over IMAP from the other,
    /// and a flag set through the second is seen through the first (docs/scaling.md).
    @Test func twoNodesShareOneStore() async throws {
        guard PostgresTestCluster.available else {
            if PostgresTestCluster.requiredInCI { Issue.record("PostgreSQL 15 missing in CI: .ci/run installs postgresql") }
            return
        }
        let cluster = try await PostgresTestCluster.shared()
        let secrets = try TemporaryDirectory(prefix: "hato-e2e-pg-secret")
        let config = try await Self.config(cluster, secrets: secrets)
        let nodeA = try await ServedHato.start(config, accounts: [("alice@example.test", "long enough pw")])
        let nodeB = try await ServedHato.start(config)
        let result = try await Python.run("""
            import smtplib, imaplib, sys
            smtp_a, imap_a, imap_b = (int(x) for x in sys.argv[1:4])
            s = smtplib.SMTP("127.0.0.1", smtp_a)
            s.sendmail("friend@remote.test", ["alice@example.test"], b"Subject: to node a\\r\\n\\r\\nhello\\r\\n"); s.quit()
            b = imaplib.IMAP4("127.0.0.1", imap_b); b.login("alice@example.test", "long enough pw")
            print(b.select("INBOX")[1][0].decode())
            print(b.uid("FETCH", "1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")[1][0][1].decode().strip())
            b.uid("STORE", "1", "+FLAGS", "(\\\\Flagged)"); b.logout()
            a = imaplib.IMAP4("127.0.0.1", imap_a); a.login("alice@example.test", "long enough pw"); a.select("INBOX")
            print(a.uid("FETCH", "1", "(FLAGS)")[1][0].decode()); a.logout()
            """, arguments: [try nodeA.port("smtp"), try nodeA.port("imap"), try nodeB.port("imap")])
        #expect(result.stdout.hasPrefix("1\nSubject: to node a\n"), "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("\\Flagged"), "node A sees the flag node B set: \(result.stdout)")
        #expect(await nodeB.terminate() == 0)
        #expect(await nodeA.terminate() == 0)
        withExtendedLifetime(secrets) {}
    }

    /// A wrong password fails the start with the database's answer, and nothing is served.
    @Test func wrongDatabasePasswordFailsTheStart() async throws {
        guard PostgresTestCluster.available else {
            if PostgresTestCluster.requiredInCI { Issue.record("PostgreSQL 15 missing in CI: .ci/run installs postgresql") }
            return
        }
        let cluster = try await PostgresTestCluster.shared()
        let database = try await cluster.createDatabase()
        let directory = try TemporaryDirectory(prefix: "hato-e2e-pg")
        let config = directory.url.appendingPathComponent("hato.toml").path
        try """
            hostname = "mail.example.test"
            data_dir = "data"
            [listen]
            smtp = ["127.0.0.1:0"]
            [store]
            backend = "postgres"
            url = "\(cluster.url(database: database))"
            tls = "disable"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let process = try HatoProcess(["serve", "--config", config], environment: ["HATO_STORE_PASSWORD": "not the password"])
        let status = await process.exit(timeout: .seconds(60))
        #expect(status != 0, "hato serve refuses to start: \(process.output)")
        #expect(process.errorOutput.contains("password authentication failed"), "the database's reason is shown: \(process.errorOutput)")
        #expect(!process.output.contains("listening on"))
    }
}
