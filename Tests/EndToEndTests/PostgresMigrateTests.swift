import Foundation
import HatoTesting
import Testing

/// `hato store migrate --from sqlite --to postgres://...` (docs/scaling.md "Moving a single node to
/// PostgreSQL"): a store filled through a running `hato serve` on SQLite (SMTP in, a message queued
/// over submission, flags and keywords set, a mailbox made and subscribed, a message copied and expunged over
/// IMAP with imapclient) is copied while that server runs; `hato serve` on PostgreSQL then shows
/// imapclient the same UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ, UIDs, MODSEQs, flags and body bytes,
/// takes the old password over PLAIN and SCRAM-SHA-256, and holds the queued message.
@Suite(.heavy) struct PostgresMigrateTests {
    static let password = "migrated long pw"

    static let fill = """
        import smtplib, ssl, sys
        from imapclient import IMAPClient
        smtp, submission, imap, password = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
        s = smtplib.SMTP("127.0.0.1", smtp, timeout=60)
        for n in range(4):
            s.sendmail("friend@remote.test", ["alice@example.test"],
                       ("From: friend@remote.test\\r\\nTo: alice@example.test\\r\\nSubject: message %d\\r\\n\\r\\nbody %d\\r\\n" % (n, n)).encode())
        s.quit()
        ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
        q = smtplib.SMTP("127.0.0.1", submission, timeout=60); q.starttls(context=ctx); q.login("alice@example.test", password)
        q.sendmail("alice@example.test", ["bob@remote.test"], b"From: alice@example.test\\r\\nTo: bob@remote.test\\r\\nSubject: queued\\r\\n\\r\\nwaiting\\r\\n")
        q.quit()
        c = IMAPClient("127.0.0.1", port=imap, ssl=False, timeout=60); c.login("alice@example.test", password)
        c.create_folder("Projects"); c.subscribe_folder("Projects")
        c.select_folder("INBOX")
        c.add_flags([1], [b"\\\\Flagged", b"$Important"])
        c.add_flags([3], [b"\\\\Seen", b"project-x"])
        c.copy([2], "Projects")
        c.add_flags([2], [b"\\\\Deleted"]); c.expunge()
        c.logout()
        print("filled")
        """

    /// Every mailbox as imapclient sees it, as JSON; then PLAIN, SCRAM-SHA-256 and a wrong password.
    static let probe = """
        import hashlib, imaplib, json, sys
        from imapclient import IMAPClient
        imap, password = int(sys.argv[1]), sys.argv[2]
        c = IMAPClient("127.0.0.1", port=imap, ssl=False, timeout=60); c.plain_login("alice@example.test", password)
        c.enable("CONDSTORE")
        out = {"subscribed": sorted(f[2] for f in c.list_sub_folders())}
        for flags, delim, name in sorted(c.list_folders(), key=lambda f: f[2]):
            info = c.select_folder(name, readonly=True)
            box = {k.decode(): info.get(k) for k in (b"UIDVALIDITY", b"UIDNEXT", b"HIGHESTMODSEQ")}
            box["messages"] = {}
            if info[b"EXISTS"]:
                for uid, d in sorted(c.fetch(c.search("ALL"), ["FLAGS", "MODSEQ", "INTERNALDATE", "BODY.PEEK[]"]).items()):
                    box["messages"][str(uid)] = {"flags": sorted(f.decode() for f in d[b"FLAGS"] if f != b"\\\\Recent"),
                        "modseq": d[b"MODSEQ"][0], "date": str(d[b"INTERNALDATE"]), "sha256": hashlib.sha256(d[b"BODY[]"]).hexdigest()}
            out[name] = box
        c.logout()
        from scramp import ScramClient
        client = ScramClient(["SCRAM-SHA-256"], "alice@example.test", password); steps = []
        def respond(challenge):
            steps.append(challenge)
            if len(steps) == 1: return client.get_client_first().encode()
            if len(steps) == 2: client.set_server_first(challenge.decode()); return client.get_client_final().encode()
            client.set_server_final(challenge.decode()); return b""
        m = imaplib.IMAP4("127.0.0.1", imap); m.authenticate("SCRAM-SHA-256", respond); m.logout()
        out["scram"] = len(steps) == 3
        try:
            IMAPClient("127.0.0.1", port=imap, ssl=False, timeout=60).plain_login("alice@example.test", password + "x"); out["wrong"] = "accepted"
        except Exception:
            out["wrong"] = "refused"
        print(json.dumps(out, sort_keys=True))
        """

    static func config(dns: String, store: String) -> String {
        """
        [listen]
        smtp = ["127.0.0.1:0"]
        submission = ["127.0.0.1:0"]
        imap = ["127.0.0.1:0"]
        [accounts]
        scram_iterations = 4096
        [dns]
        servers = ["\(dns)"]
        [delivery]
        mx_port = 1
        retry_initial = 3600
        \(store)
        """
    }

    @Test func migratedStoreServesTheSameMailboxes() async throws {
        guard PostgresTestCluster.available, Python.hasModules("imapclient", "scramp") else {
            if PostgresTestCluster.requiredInCI || Python.requiredInCI { Issue.record("PostgreSQL 15, imapclient or scramp missing in CI: .ci/run installs them") }
            return
        }
        let cluster = try await PostgresTestCluster.shared()
        let database = try await cluster.createDatabase()
        let url = cluster.url(database: database)
        let secrets = try TemporaryDirectory(prefix: "hato-e2e-migrate-secret")
        let passwordFile = secrets.url.appendingPathComponent("db-password").path
        try cluster.password.write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let dns = try await TestDNSServer.start(zoneText: """
            $ORIGIN test.
            remote 300 MX 10 mx.remote
            mx.remote 300 A 127.0.0.1
            """)
        let single = try await ServedHato.start(Self.config(dns: dns.address, store: ""), accounts: [("alice@example.test", Self.password)])
        let filled = try await Python.run(Self.fill, arguments: [try single.port("smtp"), try single.port("submission"), try single.port("imap"), Self.password])
        #expect(filled.stdout == "filled\n", "\(filled.stdout) \(filled.stderr)")
        let before = try await Python.run(Self.probe, arguments: [try single.port("imap"), Self.password])
        #expect(before.status == 0, "\(before.stderr)")

        // Copied while the single node runs: the copy reads one snapshot of its store.
        let migrate = ["store", "migrate", "--from", "sqlite", "--to", url, "--tls", "disable", "--password-file", passwordFile, "--config", single.config]
        let copied = try await HatoBinary.run(migrate)
        #expect(copied.status == 0, "\(copied.stdout) \(copied.stderr)")
        #expect(copied.stdout.contains("migration verified"), "\(copied.stdout)")
        #expect(copied.stdout.contains("messages: 4 in SQLite, 4 in PostgreSQL"), "\(copied.stdout)")
        #expect(copied.stdout.contains("queue_recipients: 1 in SQLite, 1 in PostgreSQL"), "\(copied.stdout)")
        // Run again: refused without --resume; with it, nothing new is copied and it verifies again.
        let again = try await HatoBinary.run(migrate)
        #expect(again.status == 2 && again.stderr.contains("--resume"), "\(again.stdout) \(again.stderr)")
        let resumed = try await HatoBinary.run(migrate + ["--resume"])
        #expect(resumed.status == 0 && resumed.stdout.contains("messages: 4 in SQLite, 4 in PostgreSQL (0 copied now), identical"),
                "\(resumed.stdout) \(resumed.stderr)")
        #expect(await single.terminate() == 0)

        let store = """
            [store]
            backend = "postgres"
            url = "\(url)"
            password_file = "\(passwordFile)"
            tls = "disable"
            max_connections = 4
            """
        let shared = try await ServedHato.start(Self.config(dns: dns.address, store: store))
        let after = try await Python.run(Self.probe, arguments: [try shared.port("imap"), Self.password])
        #expect(after.status == 0, "\(after.stderr) \(shared.process.errorOutput)")
        #expect(after.stdout == before.stdout, "imapclient sees the same store:\nbefore \(before.stdout)\nafter  \(after.stdout)")
        #expect(after.stdout.contains("\"scram\": true") && after.stdout.contains("\"wrong\": \"refused\""), "\(after.stdout)")
        #expect(after.stdout.contains("\"Projects\"") && after.stdout.contains("$Important") && after.stdout.contains("project-x"), "\(after.stdout)")
        // hato store check on the PostgreSQL store, while the node serves: every body read back and hashed.
        let check = try await shared.cli("store", "check")
        #expect(check.status == 0 && check.stdout.contains("store is consistent") && check.stdout.contains("4 messages, 1 queue entries"),
                "\(check.stdout) \(check.stderr)")
        let queue = try await shared.cli("queue", "list")
        #expect(queue.stdout.contains("bob@remote.test"), "the queued message moved: \(queue.stdout) \(queue.stderr)")
        #expect(await shared.terminate() == 0)
        try await dns.shutdown()

        // A database that holds a store no migration made is refused, --resume or not.
        let other = try await cluster.createDatabase()
        let workspace = try TemporaryDirectory(prefix: "hato-e2e-migrate-other")
        let otherConfig = workspace.url.appendingPathComponent("hato.toml").path
        try """
            hostname = "mail.example.test"
            data_dir = "data"
            [store]
            backend = "postgres"
            url = "\(cluster.url(database: other))"
            password_file = "\(passwordFile)"
            tls = "disable"
            """.write(toFile: otherConfig, atomically: true, encoding: .utf8)
        let domain = try await HatoBinary.run(["domain", "add", "other.test", "--config", otherConfig])
        #expect(domain.status == 0, "\(domain.stderr)")
        let refused = try await HatoBinary.run(["store", "migrate", "--from", single.directory.url.appendingPathComponent("data").path,
                                                "--to", cluster.url(database: other), "--tls", "disable", "--password-file", passwordFile, "--resume"])
        #expect(refused.status == 2 && refused.stderr.contains("not empty"), "\(refused.stdout) \(refused.stderr)")
        withExtendedLifetime(secrets) {}
    }
}
