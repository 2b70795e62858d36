import Foundation
import HatoTesting
import Testing

/// The POP3 maildrop lock across nodes (docs/scaling.md "POP3 across nodes"): two `hato serve`
/// on one PostgreSQL database; while a POP3 session on node A holds alice's maildrop, a login on
/// node B gets `-ERR [IN-USE]` (RFC 2449 §8.1.1, RFC 3206); once A's session ends, B gets in.
@Suite(.heavy) struct PostgresPOP3LockTests {
    @Test func maildropLockedOnOneNodeIsInUseOnAnother() async throws {
        guard PostgresTestCluster.available else {
            if PostgresTestCluster.requiredInCI { Issue.record("PostgreSQL 15 missing in CI: .ci/run installs postgresql") }
            return
        }
        let cluster = try await PostgresTestCluster.shared()
        let secrets = try TemporaryDirectory(prefix: "hato-e2e-pg-pop3")
        let config = """
            [listen]
            pop3 = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096

            """ + (try await cluster.storeSection(passwordIn: secrets))
        let nodeA = try await ServedHato.start(config, accounts: [("alice@example.test", "long enough pw")])
        let nodeB = try await ServedHato.start(config)
        let result = try await Python.run("""
            import poplib, ssl, sys
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            def login(port):
                p = poplib.POP3("127.0.0.1", port, timeout=60); p.stls(context=ctx); p.user("alice@example.test")
                return p, p.pass_("long enough pw").decode()
            a, reply = login(int(sys.argv[1])); print("A:", reply)
            try:
                b, reply = login(int(sys.argv[2])); print("B:", reply); b.quit()
            except poplib.error_proto as error:
                print("B:", error.args[0].decode())
            a.quit()
            b, reply = login(int(sys.argv[2])); print("B after A quit:", reply); b.quit()
            """, arguments: [try nodeA.port("pop3"), try nodeB.port("pop3")])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(result.stdout) \(result.stderr)")
        #expect(lines.first?.hasPrefix("A: +OK") == true, "\(result.stdout)")
        #expect(lines.dropFirst().first?.hasPrefix("B: -ERR [IN-USE]") == true, "node B refuses the locked maildrop: \(result.stdout) \(result.stderr)")
        #expect(lines.last?.hasPrefix("B after A quit: +OK") == true, "the lock is given back at QUIT: \(result.stdout) \(result.stderr)")
        #expect(await nodeB.terminate() == 0)
        #expect(await nodeA.terminate() == 0)
        withExtendedLifetime(secrets) {}
    }
}
