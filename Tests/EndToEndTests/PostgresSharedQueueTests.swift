import Foundation
import HatoTesting
import Testing

/// The shared outbound queue (docs/scaling.md, "Shared outbound queue"): two `hato serve`
/// processes on one PostgreSQL deliver to one remote MX (aiosmtpd). Node A receives every
/// message over submission; SIGKILL ends it while the queue is busy; node B takes over A's
/// leases when they expire and finishes. Every message arrives, and at most one twice: the one
/// whose remote 250 came just before the kill, with the outcome not yet committed.
@Suite(.heavy) struct PostgresSharedQueueTests {
    static let messages = 30

    /// aiosmtpd taking a moment per message (so the queue is busy when the node dies); it logs a
    /// message only when it is about to answer 250.
    static let sink = """
        import asyncio, json, socket, sys, threading
        from aiosmtpd.controller import Controller
        class Handler:
            async def handle_DATA(self, server, session, envelope):
                await asyncio.sleep(0.25)
                subject = [l for l in envelope.original_content.split(b"\\r\\n") if l.startswith(b"Subject: ")][0][9:].decode()
                with open(sys.argv[1], "a") as out: out.write(json.dumps({"subject": subject, "to": envelope.rcpt_tos}) + "\\n")
                return "250 2.0.0 OK"
        probe = socket.socket(); probe.bind(("127.0.0.1", 0)); port = probe.getsockname()[1]; probe.close()
        Controller(Handler(), hostname="127.0.0.1", port=port, decode_data=False).start()
        print("port", port, flush=True)
        threading.Event().wait()
        """

    static func received(_ file: URL) -> [String] {
        ((try? String(contentsOf: file, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["subject"] as? String
        }
    }

    @Test func killedNodesDeliveriesAreFinishedByAnother() async throws {
        guard PostgresTestCluster.available, Python.hasModules("aiosmtpd") else {
            if PostgresTestCluster.requiredInCI || Python.requiredInCI { Issue.record("PostgreSQL 15 or aiosmtpd missing in CI: .ci/run installs them") }
            return
        }
        let cluster = try await PostgresTestCluster.shared()
        let directory = try TemporaryDirectory(prefix: "hato-e2e-pg-queue")
        let store = try await cluster.storeSection(passwordIn: directory)
        let log = directory.url.appendingPathComponent("sink.jsonl")
        let sink = try Python.start(Self.sink, arguments: [log.path])
        defer { sink.signal(SIGTERM) }
        try await sink.waitFor("the SMTP sink") { out, _ in out.contains("port ") }
        let sinkPort = try #require(Int(sink.output.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
        let dns = try await TestDNSServer.start(zoneText: """
            $ORIGIN test.
            remote 300 MX 10 mx.remote
            mx.remote 300 A 127.0.0.1
            """)
        // One connection per node at a time, two messages each: a node holds at most two leases,
        // and at most one delivery of it can be between the remote 250 and its commit.
        let config = """
            [listen]
            submission = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [dns]
            servers = ["\(dns.address)"]
            [delivery]
            mx_port = \(sinkPort)
            lease = 3
            poll_interval = 1
            retry_initial = 1
            max_connections_per_domain = 1
            max_messages_per_connection = 2

            """ + store
        let nodeA = try await ServedHato.start(config, accounts: [("alice@example.test", "long enough pw")])
        let nodeB = try await ServedHato.start(config)
        let submitted = try await Python.run("""
            import smtplib, ssl, sys
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=60); s.starttls(context=ctx); s.login("alice@example.test", "long enough pw")
            for n in range(int(sys.argv[2])):
                s.sendmail("alice@example.test", ["bob@remote.test"],
                           ("From: alice@example.test\\r\\nTo: bob@remote.test\\r\\nSubject: m%02d\\r\\n\\r\\nbody\\r\\n" % n).encode())
            s.quit()
            """, arguments: [try nodeA.port("submission"), String(Self.messages)])
        #expect(submitted.status == 0, "\(submitted.stderr)")

        // Kill node A while the queue is busy: a few messages are out, most are not.
        let deadline = ContinuousClock.now + .seconds(60)
        while Self.received(log).count < 4, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        nodeA.process.signal(SIGKILL)
        let atKill = Set(Self.received(log)).count
        _ = await nodeA.process.exit(timeout: .seconds(30))

        let finish = ContinuousClock.now + .seconds(120)
        while Set(Self.received(log)).count < Self.messages, ContinuousClock.now < finish { try await Task.sleep(for: .milliseconds(200)) }
        // Late duplicates would come within a lease or two.
        try await Task.sleep(for: .seconds(4))
        let subjects = Self.received(log)
        let unique = Set(subjects)
        let duplicates = Dictionary(grouping: subjects, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        let expected = Set((0..<Self.messages).map { String(format: "m%02d", $0) })
        #expect(atKill < Self.messages, "the kill fell while the queue was busy: \(atKill) of \(Self.messages) delivered")
        #expect(unique == expected, "node B finished node A's deliveries: missing \(expected.subtracting(unique).sorted())\n\(nodeB.process.errorOutput)")
        #expect(subjects.count - unique.count <= 1,
                "at most one duplicate (the kill between the remote 250 and the commit): \(subjects.count - unique.count) duplicates \(duplicates), \(atKill) delivered at the kill")
        print("shared queue: \(Self.messages) messages, \(atKill) delivered when node A was killed, \(subjects.count - unique.count) duplicates \(duplicates)")
        let queue = try await HatoBinary.run(["queue", "list", "--config", nodeB.config])
        #expect(queue.status == 0 && !queue.stdout.contains("bob@remote.test"), "the queue is empty: \(queue.stdout)")
        #expect(await nodeB.terminate() == 0)
        try await dns.shutdown()
    }
}
