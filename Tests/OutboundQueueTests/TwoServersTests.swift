import DNSMessage
import Foundation
import HatoTesting
import Testing

/// Two `hato serve` processes on loopback: A's user submits mail for B's domain, A's queue finds
/// B through the test DNS server's MX record, and B's user reads it over POP3.
@Suite struct TwoServersTests {
    static func start(_ directory: TemporaryDirectory, name: String, domain: String, user: String, password: String,
                      extra: String) async throws -> (HatoProcess, String) {
        let config = directory.url.appendingPathComponent("\(name).toml").path
        try """
            hostname = "mail.\(domain)"
            data_dir = "\(name)-data"
            [accounts]
            scram_iterations = 4096
            \(extra)
            """.write(toFile: config, atomically: true, encoding: .utf8)
        #expect(try HatoBinary.run(["domain", "add", domain, "--config", config]).status == 0)
        #expect(try HatoBinary.run(["account", "add", user, "--password-stdin", "--config", config], stdin: password + "\n").status == 0)
        let server = try HatoProcess(["serve", "--config", config])
        let deadline = Date().addingTimeInterval(60)
        while !server.output.contains("delivery ") {
            guard Date() < deadline, server.process.isRunning else { throw ConformanceFailure("\(name) did not start: \(server.errorOutput)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        return (server, config)
    }

    static func port(_ server: HatoProcess, _ kind: String) throws -> Int {
        let line = try #require(server.outputLines.first { $0.hasPrefix(kind + " ") && $0.contains("listening on") })
        return try #require(Int(line.split(separator: ":").last ?? ""))
    }

    @Test func submittedOnAReadOnB() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-two")
        let (b, _) = try await Self.start(directory, name: "b", domain: "b.test", user: "bob@b.test", password: "bob long password", extra: """
            [listen]
            smtp = ["127.0.0.1:0"]
            pop3 = ["127.0.0.1:0"]
            """)
        let dns = try await TestDNSServer.start(zoneText: """
            b.test. 300 IN MX 10 mx.b.test.
            mx.b.test. 300 IN A 127.0.0.1
            """)
        let (a, _) = try await Self.start(directory, name: "a", domain: "a.test", user: "alice@a.test", password: "alice long password", extra: """
            [listen]
            submissions = ["127.0.0.1:0"]
            [dns]
            servers = ["\(dns.address)"]
            [delivery]
            mx_port = \(try Self.port(b, "smtp"))
            """)
        let result = try await Python.run("""
            import poplib, smtplib, ssl, sys, time
            submissions, pop3 = int(sys.argv[1]), int(sys.argv[2])
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            s = smtplib.SMTP_SSL("127.0.0.1", submissions, context=ctx); s.login("alice@a.test", "alice long password")
            s.sendmail("alice@a.test", ["bob@b.test"], b"From: alice@a.test\\r\\nTo: bob@b.test\\r\\nSubject: across\\r\\n\\r\\nhello B\\r\\n"); s.quit()
            for _ in range(300):
                p = poplib.POP3("127.0.0.1", pop3); p.user("bob@b.test"); p.pass_("bob long password")
                count, _ = p.stat()
                if count:
                    lines = [l.decode() for l in p.retr(1)[1]]; p.quit()
                    print([l for l in lines if l.startswith(("Return-Path:", "Subject:"))])
                    print(sum(1 for l in lines if l.startswith("Received:")), lines[-1])
                    break
                p.quit(); time.sleep(0.1)
            else:
                print("nothing arrived")
            """, arguments: ["\(try Self.port(a, "submissions"))", "\(try Self.port(b, "pop3"))"], timeout: 120)
        #expect(result.stdout == "['Return-Path: <alice@a.test>', 'Subject: across']\n2 hello B\n", "\(result.stdout)\(result.stderr)")
        for server in [a, b] {
            server.signal(SIGTERM)
            #expect(await server.exit() == 0)
        }
        try await dns.shutdown()
    }
}
