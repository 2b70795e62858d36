import Foundation
import HatoTesting
import Testing

/// The change feed across nodes (docs/scaling.md, "Change feed"): three `hato serve` processes
/// on one PostgreSQL. An IMAP session idling on node A hears a message that node B received over
/// SMTP and a flag that node C set over IMAP, each within a second (RFC 2177, RFC 9051 §7.3.1),
/// with the MODSEQs node C reports (RFC 7162 §3.2.4), and a QRESYNC re-select on A afterwards
/// agrees with what it was told.
@Suite(.heavy) struct PostgresChangeFeedTests {
    /// A raw IMAP client: IDLE needs one (imaplib has no IDLE before Python 3.14).
    static let client = """
        import socket, sys, time
        class Conn:
            def __init__(self, port):
                self.s = socket.create_connection(("127.0.0.1", port), timeout=60); self.f = self.s.makefile("rb"); self.n = 0
                self.line()
            def line(self):
                l = self.f.readline().decode()
                if not l: raise SystemExit("connection closed")
                return l.rstrip("\\r\\n")
            def send(self, text): self.s.sendall(text.encode() + b"\\r\\n")
            def cmd(self, text):
                self.n += 1; tag = "t%d" % self.n; self.send(tag + " " + text); out = []
                while True:
                    l = self.line(); out.append(l)
                    if l.startswith(tag + " "):
                        if not l.startswith(tag + " OK"): raise SystemExit("%s failed: %s" % (text, out))
                        return out
            def until(self, predicate, limit):
                start = time.monotonic()
                while True:
                    l = self.line()
                    if predicate(l): return l, time.monotonic() - start
                    if time.monotonic() - start > limit: raise SystemExit("not seen within %ss, last: %s" % (limit, l))
        """

    @Test func idleOnOneNodeSeesDeliveryAndFlagsFromOthers() async throws {
        guard PostgresTestCluster.available else {
            if PostgresTestCluster.requiredInCI { Issue.record("PostgreSQL 15 missing in CI: .ci/run installs postgresql") }
            return
        }
        let cluster = try await PostgresTestCluster.shared()
        let secrets = try TemporaryDirectory(prefix: "hato-e2e-pg-secret")
        let config = try await PostgresServeTests.config(cluster, secrets: secrets)
        let nodeA = try await ServedHato.start(config, accounts: [("alice@example.test", "long enough pw")])
        let nodeB = try await ServedHato.start(config)
        let nodeC = try await ServedHato.start(config)
        let result = try await Python.run(Self.client + "\n" + """
            import smtplib, re
            imap_a, smtp_b, imap_c = (int(x) for x in sys.argv[1:4])
            def deliver(subject):
                s = smtplib.SMTP("127.0.0.1", smtp_b, timeout=60)
                s.sendmail("friend@remote.test", ["alice@example.test"], ("Subject: %s\\r\\n\\r\\nbody\\r\\n" % subject).encode()); s.quit()
            deliver("first")
            a = Conn(imap_a); a.cmd('LOGIN alice@example.test "long enough pw"'); a.cmd("ENABLE QRESYNC")
            selected = a.cmd("SELECT INBOX")
            validity = [re.search(r"UIDVALIDITY (\\d+)", l).group(1) for l in selected if "UIDVALIDITY" in l][0]
            before = [re.search(r"HIGHESTMODSEQ (\\d+)", l).group(1) for l in selected if "HIGHESTMODSEQ" in l][0]
            print("selected", [l for l in selected if l.endswith("EXISTS")][0])
            a.n += 1; a.send("t%d IDLE" % a.n); a.until(lambda l: l.startswith("+"), 30)
            deliver("second")
            line, took = a.until(lambda l: l.endswith(" EXISTS"), 30)
            print("idle A:", line); print("delivery latency", round(took, 3))
            c = Conn(imap_c); c.cmd('LOGIN alice@example.test "long enough pw"'); c.cmd("SELECT INBOX")
            stored = [l for l in c.cmd("UID STORE 1 +FLAGS (\\\\Flagged)") if "FETCH" in l][0]
            modseq = re.search(r"MODSEQ \\((\\d+)\\)", c.cmd("UID FETCH 1 (MODSEQ)")[0]).group(1)
            line, took = a.until(lambda l: "FETCH" in l, 30)
            print("idle A:", line); print("flag latency", round(took, 3))
            print("C modseq", modseq, "A saw it", ("MODSEQ (%s)" % modseq) in line)
            a.send("DONE"); a.until(lambda l: l.startswith("t%d " % a.n), 30)
            c.cmd("LOGOUT")
            a.cmd("UNSELECT")
            again = a.cmd("SELECT INBOX (QRESYNC (%s %s))" % (validity, before))
            print("qresync", sorted(l for l in again if "FETCH" in l or "EXISTS" in l))
            a.cmd("LOGOUT")
            """, arguments: [try nodeA.port("imap"), try nodeB.port("smtp"), try nodeC.port("imap")])
        let out = result.stdout
        #expect(out.contains("selected * 1 EXISTS\nidle A: * 2 EXISTS\n"), "A hears B's delivery while idling: \(out) \(result.stderr)")
        // \Recent too: A's session is the one that saw message 1 first (RFC 3501 §2.3.2, a rev1 session).
        #expect(out.contains("idle A: * 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent) MODSEQ ("), "A hears C's flag with its UID and MODSEQ: \(out)")
        #expect(out.contains("A saw it True"), "A was told the MODSEQ node C reports: \(out)")
        for kind in ["delivery", "flag"] {
            let latency = out.split(separator: "\n").first { $0.hasPrefix("\(kind) latency ") }.flatMap { Double($0.split(separator: " ").last!) }
            #expect((latency ?? 99) < 1.0, "\(kind) reached the idling session on another node within a second: \(String(describing: latency))")
        }
        // RFC 7162 §3.2.5: both changes since the first SELECT, with no VANISHED.
        #expect(out.contains("qresync ['* 1 FETCH (UID 1 FLAGS (\\\\Flagged) MODSEQ ("), "QRESYNC agrees: \(out)")
        #expect(out.contains("'* 2 EXISTS'") && out.contains("* 2 FETCH (UID 2 "), "the second message in the QRESYNC resync: \(out)")
        for node in [nodeC, nodeB, nodeA] { #expect(await node.terminate() == 0) }
        withExtendedLifetime(secrets) {}
    }
}
