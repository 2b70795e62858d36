import Foundation
import HatoTesting
import Testing

/// Upgrades keep everything: each earlier store format, made by the build that wrote it
/// (scripts/make-store-fixture.sh; never by hand), is opened by this build through the real binary
/// and read with real clients. Accounts log in with their original passwords (SCRAM-SHA-256 over
/// scramp, LOGIN, PLAIN, POP3), UIDVALIDITY/UIDs/MODSEQs/flags/dates and the bytes of every body
/// equal what the old build served, and the queued message is still queued and gets delivered.
@Suite struct StoreUpgradeTests {
    /// A test that fails when a format has no fixture: the schema's migrations now must each be
    /// the last of some fixture's list, except the newest (the format this build writes).
    @Test func everyEarlierFormatHasAFixture() async throws {
        let current = try await StoreFixture.currentMigrations()
        #expect(current.count >= 6, "\(current)")
        let made = Set(try StoreFixture.names.map { try StoreFixture.manifest($0).migrations })
        for end in 1..<current.count where !Self.landedTogether.contains(current[end - 1]) {
            #expect(made.contains(Array(current.prefix(end))),
                    "no fixture for the format ending at \(current[end - 1]): run scripts/make-store-fixture.sh with a commit that wrote it")
        }
        for migrations in made { #expect(Array(current.prefix(migrations.count)) == migrations, "fixture from another history: \(migrations)") }
    }

    /// Migrations that reached main in the same stop as the one after them: no build any stop
    /// shipped ever wrote a store ending at one of them, so there is no such format to upgrade
    /// from. (2026-12-05: four features developed side by side landed together, the newest being
    /// v9-sort-thread; the format before them is v8-spam-controls, whose fixture is v8-ee4b872.)
    /// v12-openpgp reached main before v11-dmarc-reports, which the schema then appends after it.
    static let landedTogether: Set<String> = ["v10-sieve", "v12-openpgp", "v11-dmarc-reports", "v14-requiretls-tlsrpt", "v16-admin", "v19-mta-sts-cache", "v17-imap-metadata", "v25-autocrypt-peers", "v26-urlauth-keys", "v27-message-state-index"]

    @Test(.enabled(if: StoreFixture.oraclesAvailable || Python.requiredInCI, "scramp or aiosmtpd is not installed: pip install scramp aiosmtpd"),
          arguments: StoreFixture.names)
    func opensWithEverythingKept(_ name: String) async throws {
        try #require(StoreFixture.oraclesAvailable, "CI is set but scramp or aiosmtpd is not installed")
        let manifest = try StoreFixture.manifest(name)
        let store = try await StoreFixture.unpack(name)
        // The queued message's remote domain has its MX on loopback, where the sink listens.
        let sink = try await SMTPSink.start(in: store.directory)
        defer { sink.process.signal(SIGTERM) }
        let domains = Set((manifest.queue ?? []).flatMap(\.recipients).map { $0.address.split(separator: "@").last.map(String.init) ?? "" })
        let dns = try await TestDNSServer.start(zoneText: domains.map { "\($0). 300 IN MX 10 mx.\($0).\nmx.\($0). 300 IN A 127.0.0.1\n" }.joined())
        try store.writeConfig(extra: "[dns]\nservers = [\"\(dns.address)\"]\n[delivery]\nmx_port = \(sink.port)\n")

        // The admin commands open (and migrate) the store first; they see what the old build made.
        try await checkCommandLine(store, manifest)
        let server = try HatoProcess(["serve", "--config", store.config])
        defer { if !server.hasExited { server.signal(SIGKILL) } }
        try await server.waitFor("the delivery runner") { out, _ in out.contains("delivery ") }
        let imaps = try server.listenerPort("imaps"), submissions = try server.listenerPort("submissions")

        let snapshot = try await StoreFixture.probe(["snapshot", imaps, manifest.accountsJSON], as: StoreFixture.Snapshot.self)
        #expect(snapshot.mailboxes.map(\.key).sorted() == manifest.mailboxes.map(\.key).sorted(), "the same mailboxes")
        for expected in manifest.mailboxes {
            guard let seen = snapshot.mailboxes.first(where: { $0.key == expected.key }) else { continue }
            #expect(seen.uidValidity == expected.uidValidity, "UIDVALIDITY of \(expected.key)")
            #expect(seen.uidNext == expected.uidNext, "UIDNEXT of \(expected.key)")
            #expect(seen.highestModSeq == expected.highestModSeq, "HIGHESTMODSEQ of \(expected.key)")
            #expect(seen.subscribed == expected.subscribed, "subscription of \(expected.key)")
            #expect(seen.vanished == expected.vanished, "expunged UIDs (QRESYNC) of \(expected.key)")
            #expect(seen.messages == expected.messages, "UID, MODSEQ, flags, size, date and bytes in \(expected.key)")
        }

        let logins = try await StoreFixture.probe(["logins", imaps, submissions, try server.listenerPort("pop3s"), manifest.accountsJSON],
                                                  as: [String: [String: String]].self)
        for account in manifest.accounts {
            for (path, result) in logins[account.address] ?? [:] {
                if path.contains("wrong") {
                    #expect(result.hasPrefix("refused"), "\(account.address) \(path): \(result)")
                } else {
                    #expect(result == "ok", "\(account.address) \(path): \(result)")
                }
            }
            #expect(logins[account.address]?.count == 6, "\(logins)")
        }

        try await checkQueueDelivered(store, manifest, sink)
        try await checkNewMailContinuesUIDs(manifest, imaps: imaps, submissions: submissions)
        server.signal(SIGTERM)
        #expect(await server.exit() == 0, "\(server.errorOutput)")
        let integrity = try await Python.run("""
            import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])
            """, arguments: [store.directory.url.appendingPathComponent("data/hato.sqlite").path])
        #expect(integrity.stdout == "ok\n", "\(integrity.stdout) \(integrity.stderr)")
        try await dns.shutdown()
    }

    /// Usage counters, domains, aliases, mailbox listings, sender policies, DKIM keys and the queue
    /// as this build's commands print them, against what the old build's commands printed.
    func checkCommandLine(_ store: StoreFixture.Unpacked, _ manifest: StoreFixture.Manifest) async throws {
        let accounts = try await store.hato(["account", "list"])
        #expect(StoreFixture.table(accounts).map { [$0["ADDRESS"] ?? "", $0["MESSAGES"] ?? "", $0["BYTES"] ?? ""] }
                == manifest.usage.keys.sorted().map { [$0, "\(manifest.usage[$0]!.messages)", "\(manifest.usage[$0]!.bytes)"] }, "\(accounts)")
        #expect(try await store.hato(["domain", "list"]).split(separator: "\n").map(String.init) == manifest.domains)
        #expect(try await store.hato(["alias", "list"]).split(separator: "\n").map(String.init) == manifest.aliases)
        for (address, rows) in manifest.mailboxList {
            let now = StoreFixture.table(try await store.hato(["mailbox", "list", address]))
            for row in rows {
                let match = now.first { $0["NAME"] == row["NAME"] }
                #expect(match.map { current in row.allSatisfy { current[$0.key] == $0.value } } == true, "\(address) \(row) now \(now)")
            }
        }
        for (address, policy) in manifest.senderPolicies ?? [:] {
            #expect(try await store.hato(["account", "sender-policy", address]) == policy + "\n")
        }
        if let records = manifest.dkimRecords {
            let listed = try await store.hato(["dkim", "list", "--records"])
            #expect(records.allSatisfy(listed.contains), "DKIM public keys unchanged: \(listed)")
        }
        for entry in manifest.queue ?? [] {
            let shown = try await store.hato(["queue", "show", entry.id])
            #expect(shown.contains("from: \(entry.from)\n") && shown.contains("size: \(entry.size)\n"), "\(shown)")
            for recipient in entry.recipients {
                #expect(shown.contains("to: \(recipient.address) state=\(recipient.state) attempts=\(recipient.attempts) "), "\(shown)")
            }
        }
        let queued = StoreFixture.table(try await store.hato(["queue", "list"])).compactMap { $0["ID"] }
        #expect(queued == (manifest.queue ?? []).map(\.id), "the queue survives")
    }

    /// The queued message goes out to its MX (the sink), byte for byte as queued, and leaves the queue.
    func checkQueueDelivered(_ store: StoreFixture.Unpacked, _ manifest: StoreFixture.Manifest, _ sink: SMTPSink) async throws {
        guard let queue = manifest.queue, !queue.isEmpty else { return }
        #expect(try await store.hato(["queue", "flush"]).contains("due now"))
        let received = try await sink.waitForMessages(queue.count)
        for (entry, message) in zip(queue, received) {
            #expect(message.from == entry.from && message.to == entry.recipients.map(\.address), "\(message.from) \(message.to)")
            #expect(message.sha256 == entry.bodySHA256, "the queued body is delivered unchanged")
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while try await store.hato(["queue", "list"]).split(separator: "\n").count > 1, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(try await store.hato(["queue", "list"]).split(separator: "\n").count <= 1, "delivered messages leave the queue")
    }

    /// Mail delivered after the upgrade (to an alias the old build made) gets the UID the old
    /// build announced as UIDNEXT and a higher MODSEQ: UIDs are never reused.
    func checkNewMailContinuesUIDs(_ manifest: StoreFixture.Manifest, imaps: String, submissions: String) async throws {
        let inbox = try #require(manifest.mailboxes.first { $0.account == "alice@example.test" && $0.name == "INBOX" })
        let bob = try #require(manifest.accounts.first { $0.address == "bob@example.test" })
        let result = try await Python.run("""
            import base64, imaplib, re, smtplib, ssl, sys
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            s = smtplib.SMTP_SSL("127.0.0.1", int(sys.argv[2]), context=ctx); s.login("bob@example.test", sys.argv[3])
            s.sendmail("bob@example.test", ["info@example.test"], b"From: bob@example.test\\r\\nSubject: after the upgrade\\r\\n\\r\\nhi\\r\\n"); s.quit()
            M = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=ctx); M.login("alice@example.test", sys.argv[4])
            M.enable("CONDSTORE"); M.select("INBOX", readonly=True)
            data = M.uid("SEARCH", "HEADER", "Subject", '"after the upgrade"')[1][0].split()
            print(data[0].decode(), re.search(rb"MODSEQ \\((\\d+)\\)", M.uid("FETCH", data[0], "(MODSEQ)")[1][0]).group(1).decode())
            """, arguments: [imaps, submissions, bob.password, manifest.accounts[0].password])
        let fields = result.stdout.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(fields.count == 2 && fields[0] == inbox.uidNext && fields[1] > inbox.highestModSeq,
                "new UID/MODSEQ \(result.stdout) after UIDNEXT \(inbox.uidNext) HIGHESTMODSEQ \(inbox.highestModSeq); \(result.stderr)")
    }
}
