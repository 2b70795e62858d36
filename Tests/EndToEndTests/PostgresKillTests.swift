import Foundation
import HatoTesting
import Testing

/// The kill campaign of docs/storage.md, shortened, against the shared PostgreSQL store: a node
/// receiving two SMTP streams and an IMAP APPEND stream is killed with SIGKILL mid-stream. Every
/// message a client had acknowledged (SMTP 250 after DATA, APPEND OK) is then served whole by
/// another node, and `hato store check` (counters, quota usage, every body read back and hashed)
/// finds nothing.
@Suite(.heavy) struct PostgresKillTests {
    @Test func sigkillDuringDeliveriesAndAppendsLosesNothingAcknowledged() async throws {
        guard PostgresTestCluster.available else {
            if PostgresTestCluster.requiredInCI { Issue.record("PostgreSQL 15 missing in CI: .ci/run installs postgresql") }
            return
        }
        let cluster = try await PostgresTestCluster.shared()
        let secrets = try TemporaryDirectory(prefix: "hato-e2e-pg-kill")
        let config = """
            [listen]
            smtp = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [limits]
            max_connections_per_ip = 100

            """ + (try await cluster.storeSection(passwordIn: secrets))
        let nodeA = try await ServedHato.start(config, accounts: [("alice@example.test", "long enough pw")])
        let body = """
            def text(tag, n): return ("line %d of %s\\r\\n" % (n, tag)) * 100
            def message(tag, n): return ("Subject: %s-%d\\r\\nMessage-ID: <%s-%d@kill.test>\\r\\n\\r\\n" % (tag, n, tag, n)) + text(tag, n)

            """
        let streams = try await Python.run(body + """
            import imaplib, json, os, signal, smtplib, sys, threading, time
            smtp, imap, pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
            acked = {"smtp0": [], "smtp1": [], "append": []}
            stop = threading.Event()
            def deliver(tag):
                n = 0
                try:
                    while not stop.is_set():
                        s = smtplib.SMTP("127.0.0.1", smtp, timeout=60)
                        for _ in range(10):
                            s.sendmail("x@remote.test", ["alice@example.test"], message(tag, n).encode()); acked[tag].append(n); n += 1
                        s.quit()
                except Exception: pass
            m = imaplib.IMAP4("127.0.0.1", imap); m.login("alice@example.test", "long enough pw"); m.create("Stream")
            def append():
                n = 0
                try:
                    while not stop.is_set():
                        typ, _ = m.append("Stream", None, None, message("append", n).encode())
                        if typ == "OK": acked["append"].append(n)
                        n += 1
                except Exception: pass
            threads = [threading.Thread(target=deliver, args=("smtp0",)), threading.Thread(target=deliver, args=("smtp1",)),
                       threading.Thread(target=append)]
            for t in threads: t.start()
            deadline = time.time() + 120
            while min(len(v) for v in acked.values()) < 25 and time.time() < deadline: time.sleep(0.005)
            os.kill(pid, signal.SIGKILL); stop.set()
            for t in threads: t.join(90)
            print(json.dumps(acked))
            """, arguments: [try nodeA.port("smtp"), try nodeA.port("imap"), "\(nodeA.pid)"])
        _ = await nodeA.process.exit(timeout: .seconds(30))
        let acked = try JSONDecoder().decode([String: [Int]].self, from: Data(streams.stdout.utf8))
        #expect(acked.values.allSatisfy { $0.count >= 25 }, "each stream had 25 acknowledged before the kill: \(streams.stdout) \(streams.stderr)")

        let nodeB = try await ServedHato.start(config)
        let verify = try await Python.run(body + """
            import imaplib, json, re, sys
            acked = json.loads(sys.argv[2])
            m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); m.login("alice@example.test", "long enough pw")
            found, broken = set(), []
            for box in ("INBOX", "Stream"):
                m.select(box, readonly=True)
                typ, data = m.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[TEXT])")
                parts = [p for p in data if isinstance(p, tuple)]
                for header, text_part in zip(parts[0::2], parts[1::2]):
                    tag, n = re.search(rb"Subject: (\\w+)-(\\d+)", header[1]).groups()
                    tag, n = tag.decode(), int(n)
                    found.add((tag, n))
                    if text_part[1].decode() != text(tag, n): broken.append("%s-%d" % (tag, n))
            missing = sorted("%s-%d" % (t, n) for t, ns in acked.items() for n in ns if (t, n) not in found)
            print(json.dumps({"missing": missing, "broken": broken, "stored": len(found)}))
            """, arguments: [try nodeB.port("imap"), streams.stdout.trimmingCharacters(in: .whitespacesAndNewlines)])
        let outcome = try JSONDecoder().decode(Outcome.self, from: Data(verify.stdout.utf8))
        #expect(outcome.missing == [], "acknowledged messages missing after the kill: \(verify.stdout) \(verify.stderr)")
        #expect(outcome.broken == [], "messages not whole: \(outcome.broken)")
        #expect(outcome.stored >= acked.values.map(\.count).reduce(0, +))
        let check = try await nodeB.cli("store", "check")
        #expect(check.status == 0 && check.stdout.contains("store is consistent"), "\(check.stdout) \(check.stderr)")
        print("postgres kill: \(acked.mapValues(\.count)) acknowledged, \(outcome.stored) stored; store check: \(check.stdout)")
        #expect(await nodeB.terminate() == 0)
        withExtendedLifetime(secrets) {}
    }

    struct Outcome: Decodable {
        let missing: [String]
        let broken: [String]
        let stored: Int
    }
}
