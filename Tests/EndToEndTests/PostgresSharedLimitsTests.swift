import Foundation
import HatoTesting
import Testing

/// The login throttle and the `[rate]` limits across nodes (docs/scaling.md "Login throttle and
/// rate limits across nodes"): two `hato serve` on one PostgreSQL database count together, so a
/// guesser or a flood spread over both meets the configured numbers, not twice them. The replies
/// are the one-node replies: IMAP `NO [UNAVAILABLE]`, SMTP `454 4.7.0` for a locked login,
/// `421 4.7.0` / `451 4.7.1` for the rate limits. Clients bind chosen 127.0.0.0/8 source
/// addresses, so each part of a test is its own client address.
@Suite(.heavy) struct PostgresSharedLimitsTests {
    static func cluster() async throws -> PostgresTestCluster? {
        guard PostgresTestCluster.available else {
            if PostgresTestCluster.requiredInCI { Issue.record("PostgreSQL 15 missing in CI: .ci/run installs postgresql") }
            return nil
        }
        return try await PostgresTestCluster.shared()
    }

    /// Four failures lock (the fourth is held a second; the throttle never locks before it delays).
    @Test func failedLoginsOnBothNodesHitTheThrottleAtTheConfiguredCount() async throws {
        guard let cluster = try await Self.cluster() else { return }
        let secrets = try TemporaryDirectory(prefix: "hato-e2e-pg-throttle")
        let config = """
            [listen]
            submission = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            pop3 = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [auth]
            delay_after_failures = 4
            lockout_after_failures = 4
            [limits]
            max_connections_per_ip = 100

            """ + (try await cluster.storeSection(passwordIn: secrets))
        let nodeA = try await ServedHato.start(config, accounts: AuthAbuseTests.accounts)
        let nodeB = try await ServedHato.start(config)
        let script = AuthAbuseTests.clients + """
            portsA, portsB = dict(ports), dict(smtp=int(sys.argv[4]), imap=int(sys.argv[5]), pop3=int(sys.argv[6]))
            def on(node, kind, source, user, pw):
                ports.update(node)
                return login(kind, source, user, pw)
            A, B = portsA, portsB
            # Per account: two wrong passwords on A (IMAP), two on B (SMTP), from four addresses.
            print("account", [on(A, "imap", "127.0.1.1", "alice@example.test", "wrong"),
                              on(A, "imap", "127.0.1.2", "alice@example.test", "wrong"),
                              on(B, "smtp", "127.0.1.3", "alice@example.test", "wrong"),
                              on(B, "smtp", "127.0.1.4", "alice@example.test", "wrong")])
            # The fifth, with the right password from a fifth address, is refused on either node.
            print("account locked", [on(A, "imap", "127.0.1.5", "alice@example.test", "right alice pw"),
                                     on(B, "smtp", "127.0.1.5", "alice@example.test", "right alice pw"),
                                     on(B, "pop3", "127.0.1.6", "alice@example.test", "right alice pw")])
            # Per address: one wrong guess at each of four accounts, alternating nodes.
            print("address", [on(A, "imap", "127.0.2.1", "bob@example.test", "wrong"),
                              on(B, "imap", "127.0.2.1", "carol@example.test", "wrong"),
                              on(A, "smtp", "127.0.2.1", "dave@example.test", "wrong"),
                              on(B, "smtp", "127.0.2.1", "nobody@example.test", "wrong")])
            print("address locked", [on(B, "imap", "127.0.2.1", "bob@example.test", "right bob pw"),
                                     on(A, "smtp", "127.0.2.1", "bob@example.test", "right bob pw")])
            # Bob's own count is one: from another address his password works on both nodes.
            print("elsewhere", [on(A, "imap", "127.0.2.2", "bob@example.test", "right bob pw"),
                                on(B, "smtp", "127.0.2.2", "bob@example.test", "right bob pw")])
            """
        let result = try await Python.run(script, arguments: try ports(nodeA) + ports(nodeB))
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let context = "\(result.stdout) \(result.stderr)"
        #expect(lines == [
            "account ['wrong', 'wrong', 'wrong', 'wrong']",
            "account locked ['locked', 'locked', 'locked']",
            "address ['wrong', 'wrong', 'wrong', 'wrong']",
            "address locked ['locked', 'locked']",
            "elsewhere ['ok', 'ok']",
        ], "\(context)")
        #expect(await nodeB.terminate() == 0)
        #expect(await nodeA.terminate() == 0)
        withExtendedLifetime(secrets) {}
    }

    func ports(_ served: ServedHato) throws -> [String] {
        [try served.port("submission"), try served.port("imap"), try served.port("pop3")]
    }

    /// Connections per minute, messages per hour per client network and recipients per hour per
    /// sender domain, each spent half on node A and half on node B.
    @Test func rateLimitsAreCountedAcrossNodes() async throws {
        guard let cluster = try await Self.cluster() else { return }
        let secrets = try TemporaryDirectory(prefix: "hato-e2e-pg-rate")
        let config = """
            [listen]
            smtp = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [rate]
            connections_per_minute = 3
            messages_per_hour = 2
            recipients_per_hour = 3

            """ + (try await cluster.storeSection(passwordIn: secrets))
        let nodeA = try await ServedHato.start(config, accounts: [("alice@example.test", "long enough pw"), ("bob@example.test", "long enough pw")])
        let nodeB = try await ServedHato.start(config)
        let result = try await Python.run("""
            import smtplib, sys
            A, B = int(sys.argv[1]), int(sys.argv[2])
            def connect(port, source):
                try:
                    s = smtplib.SMTP("127.0.0.1", port, source_address=(source, 0), timeout=60)
                    s.ehlo("client.remote.test"); return s, "220"
                except smtplib.SMTPConnectError as error:
                    return None, "%d %s" % (error.smtp_code, error.smtp_error.decode().split()[0])
            def greet(port, source):
                s, reply = connect(port, source)
                if s: s.quit()
                return reply
            print("connections", [greet(A, "127.0.3.1"), greet(B, "127.0.3.1"), greet(A, "127.0.3.1"), greet(B, "127.0.3.1")])
            def mail(port, source, sender):
                s, reply = connect(port, source)
                code, text = s.mail(sender); s.quit()
                return "%d %s" % (code, text.decode())
            print("messages", [mail(A, "127.0.3.2", "a@remote.test")[:3], mail(B, "127.0.3.2", "b@remote.test")[:3],
                               mail(A, "127.0.3.2", "c@remote.test")])
            def rcpts(port, source, sender, recipients):
                s, reply = connect(port, source)
                s.mail(sender)
                codes = [s.rcpt(r) for r in recipients]; s.quit()
                return ["%d %s" % (c, t.decode()) if c != 250 else "250" for c, t in codes]
            print("recipients", rcpts(A, "127.0.3.3", "x@sender.test", ["alice@example.test", "bob@example.test"])
                              + rcpts(B, "127.0.3.4", "y@sender.test", ["alice@example.test", "bob@example.test"]))
            print("other network", greet(B, "127.0.3.9"))
            """, arguments: [try nodeA.port("smtp"), try nodeB.port("smtp")])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines == [
            "connections ['220', '220', '220', '421 4.7.0']",
            "messages ['250', '250', '451 4.7.1 Too many messages from your network, try again later']",
            "recipients ['250', '250', '250', '451 4.7.1 Too many recipients from this sender, try again later']",
            "other network 220",
        ], "\(result.stdout) \(result.stderr)")
        #expect(await nodeB.terminate() == 0)
        #expect(await nodeA.terminate() == 0)
        withExtendedLifetime(secrets) {}
    }
}
