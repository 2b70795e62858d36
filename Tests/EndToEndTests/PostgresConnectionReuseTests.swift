import Foundation
import HatoTesting
import Testing

/// Connection reuse across batches on the shared PostgreSQL queue (docs/delivery.md "Connection
/// reuse"): `hato serve` on PostgreSQL delivers messages that arrive one at a time, each its own
/// batch, over one connection to the remote MX (aiosmtpd, which logs each message's client port).
@Suite(.heavy) struct PostgresConnectionReuseTests {
    static let sink = """
        import json, socket, sys, threading
        from aiosmtpd.controller import Controller
        class Handler:
            async def handle_DATA(self, server, session, envelope):
                subject = [l for l in envelope.original_content.split(b"\\r\\n") if l.startswith(b"Subject: ")][0][9:].decode()
                with open(sys.argv[1], "a") as out: out.write(json.dumps({"subject": subject, "peer": session.peer[1]}) + "\\n")
                return "250 2.0.0 OK"
        probe = socket.socket(); probe.bind(("127.0.0.1", 0)); port = probe.getsockname()[1]; probe.close()
        Controller(Handler(), hostname="127.0.0.1", port=port, decode_data=False).start()
        print("port", port, flush=True)
        threading.Event().wait()
        """

    static func received(_ file: URL) -> [(subject: String, peer: Int)] {
        ((try? String(contentsOf: file, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let subject = object["subject"] as? String, let peer = object["peer"] as? Int else { return nil }
            return (subject, peer)
        }
    }

    @Test func messagesArrivingOneByOneShareAConnection() async throws {
        guard PostgresTestCluster.available, Python.hasModules("aiosmtpd") else {
            if PostgresTestCluster.requiredInCI || Python.requiredInCI { Issue.record("PostgreSQL 15 or aiosmtpd missing in CI: .ci/run installs them") }
            return
        }
        let cluster = try await PostgresTestCluster.shared()
        let directory = try TemporaryDirectory(prefix: "hato-e2e-pg-reuse")
        let store = try await cluster.storeSection(passwordIn: directory)
        let log = directory.url.appendingPathComponent("sink.jsonl")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let sink = try Python.start(Self.sink, arguments: [log.path])
        defer { sink.signal(SIGTERM) }
        try await sink.waitFor("the SMTP sink") { out, _ in out.contains("port ") }
        let sinkPort = try #require(Int(sink.output.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
        let dns = try await TestDNSServer.start(zoneText: """
            $ORIGIN test.
            remote 300 MX 10 mx.remote
            mx.remote 300 A 127.0.0.1
            """)
        let node = try await ServedHato.start("""
            [listen]
            submission = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [dns]
            servers = ["\(dns.address)"]
            [delivery]
            mx_port = \(sinkPort)
            connection_idle_time = 60

            """ + store, accounts: [("alice@example.test", "long enough pw")])
        // Each message is submitted after the one before has arrived: four batches.
        let submitted = try await Python.run("""
            import json, smtplib, ssl, sys, time
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            def arrived(): return sum(1 for l in open(sys.argv[2]) if l.strip())
            for n in range(4):
                s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=60); s.starttls(context=ctx); s.login("alice@example.test", "long enough pw")
                s.sendmail("alice@example.test", ["bob@remote.test"],
                           ("From: alice@example.test\\r\\nTo: bob@remote.test\\r\\nSubject: m%d\\r\\n\\r\\nbody\\r\\n" % n).encode())
                s.quit()
                deadline = time.time() + 60
                while arrived() < n + 1 and time.time() < deadline: time.sleep(0.05)
            """, arguments: [try node.port("submission"), log.path], timeout: 300)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let received = Self.received(log)
        #expect(received.map(\.subject) == ["m0", "m1", "m2", "m3"], "\(received)")
        #expect(Set(received.map(\.peer)).count == 1, "one connection for four batches: \(received)")
        #expect(await node.terminate() == 0)
        try await dns.shutdown()
    }
}
