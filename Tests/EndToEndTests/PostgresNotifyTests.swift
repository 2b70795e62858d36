import Foundation
import HatoTesting
import Testing

/// RFC 5465 NOTIFY across nodes: two `hato serve` processes on one PostgreSQL. A session on node
/// A asks for the personal namespace's events; on node B imaplib creates a mailbox, subscribes
/// it, sets METADATA on it and renames it, and smtplib delivers to INBOX. A reads each
/// notification off its socket without a command: the account-level feed and the mailbox feed
/// both travel over LISTEN/NOTIFY.
@Suite(.heavy) struct PostgresNotifyTests {
    @Test func notificationsFromAnotherNode() async throws {
        guard PostgresTestCluster.available else {
            if PostgresTestCluster.requiredInCI { Issue.record("PostgreSQL 15 missing in CI: .ci/run installs postgresql") }
            return
        }
        let cluster = try await PostgresTestCluster.shared()
        let secrets = try TemporaryDirectory(prefix: "hato-e2e-pg-secret")
        let config = try await PostgresServeTests.config(cluster, secrets: secrets)
        let nodeA = try await ServedHato.start(config, accounts: [("alice@example.test", "long enough pw")])
        let nodeB = try await ServedHato.start(config)
        let result = try await Python.run(PostgresChangeFeedTests.client + "\n" + #"""
            import imaplib, re, smtplib
            imap_a, imap_b, smtp_b = (int(x) for x in sys.argv[1:4])
            imaplib.Commands["SETMETADATA"] = ("AUTH", "SELECTED")
            a = Conn(imap_a); a.cmd('LOGIN alice@example.test "long enough pw"')
            a.cmd("NOTIFY SET (personal (MessageNew MessageExpunge MailboxName SubscriptionChange MailboxMetadataChange))")
            def heard():
                a.s.settimeout(30)
                l = re.sub(r"UIDVALIDITY \d+", "UIDVALIDITY v", a.line())
                a.s.settimeout(60)
                return l
            B = imaplib.IMAP4("127.0.0.1", imap_b); B.login("alice@example.test", "long enough pw")
            B.create("Remote"); print(heard())
            B.subscribe("Remote"); print(heard())
            B._simple_command("SETMETADATA", "Remote", '(/private/comment "from B")'); print(heard())
            B.rename("Remote", "Moved"); print(heard())
            s = smtplib.SMTP("127.0.0.1", smtp_b, timeout=60)
            s.sendmail("friend@remote.test", ["alice@example.test"], b"Subject: hi\r\n\r\nbody\r\n"); s.quit()
            print(heard())
            B.logout(); a.cmd("LOGOUT")
            """#, arguments: [try nodeA.port("imap"), try nodeB.port("imap"), try nodeB.port("smtp")], timeout: 120)
        #expect(result.stdout == #"""
            * LIST (\HasNoChildren) "/" Remote
            * LIST (\HasNoChildren \Subscribed) "/" Remote
            * METADATA Remote /private/comment
            * LIST (\HasNoChildren) "/" Moved ("OLDNAME" (Remote))
            * STATUS INBOX (MESSAGES 1 UIDNEXT 2 UIDVALIDITY v UNSEEN 1)

            """#, "\(result.stdout) \(result.stderr)")
        await nodeA.stop()
        await nodeB.stop()
    }
}
