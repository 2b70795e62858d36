import DNSMessage
import Foundation
import HatoTesting
import Testing

/// Two `hato serve` processes on loopback: A's user submits mail for B's domain, A's queue finds
/// B through the test DNS server's MX record, and B's user reads it over POP3.
@Suite struct TwoServersTests {
    static func start(_ directory: TemporaryDirectory, name: String, domain: String, user: String, password: String,
                      extra: String) async throws -> (HatoProcess, String) {
        let config = try await configure(directory, name: name, domain: domain, user: user, password: password, extra: extra)
        return (try await launch(name, config: config), config)
    }

    /// Python for both servers' tests: submit as alice@a.test over SMTPS, and wait (up to 60 s)
    /// for the first message of an IMAP INBOX, returned parsed.
    static let clientHelpers = """
        import email, email.policy, imaplib, smtplib, ssl, sys, time
        def submit(port, sender, recipients, message):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            s = smtplib.SMTP_SSL("127.0.0.1", port, context=ctx); s.login("alice@a.test", "alice long password")
            s.sendmail(sender, recipients, message); s.quit()
        def first_message(port, user, password):
            M = imaplib.IMAP4("127.0.0.1", port); M.login(user, password)
            for _ in range(600):
                M.select("INBOX")
                ids = M.search(None, "ALL")[1][0].split()
                if ids: break
                time.sleep(0.1)
            else:
                sys.exit("nothing arrived for " + user)
            data = M.fetch(ids[0], "(BODY.PEEK[])")[1][0][1]; M.logout()
            return ids, email.message_from_bytes(data, policy=email.policy.compat32)

        """

    /// Writes `name`.toml and adds the domain and its one account through the CLI.
    static func configure(_ directory: TemporaryDirectory, name: String, domain: String, user: String, password: String,
                          extra: String) async throws -> String {
        let config = directory.url.appendingPathComponent("\(name).toml").path
        try """
            hostname = "mail.\(domain)"
            data_dir = "\(name)-data"
            [accounts]
            scram_iterations = 4096
            \(extra)
            """.write(toFile: config, atomically: true, encoding: .utf8)
        #expect(try await HatoBinary.run(["domain", "add", domain, "--config", config]).status == 0)
        #expect(try await HatoBinary.run(["account", "add", user, "--password-stdin", "--config", config], stdin: password + "\n").status == 0)
        return config
    }

    /// Starts `hato serve` and waits until its delivery runner is up (the last thing serve logs).
    static func launch(_ name: String, config: String) async throws -> HatoProcess {
        let server = try HatoProcess(["serve", "--config", config])
        let deadline = Date().addingTimeInterval(60)
        while !server.output.contains("delivery ") {
            guard Date() < deadline, server.process.isRunning else { throw ConformanceFailure("\(name) did not start: \(server.errorOutput)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        return server
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

    /// Issue #10 as worded: A signs what alice submits with the key `hato dkim keygen` made, the
    /// test DNS publishes keygen's TXT records and B's MX, A's queue delivers to B, and bob reads
    /// it over IMAP with B's verdict on top: `dkim=pass header.d=a.test` for both signatures.
    @Test func signedOnAVerifiedAndReadOverIMAPOnB() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-two-dkim")
        let configB = try await Self.configure(directory, name: "b", domain: "b.test", user: "bob@b.test", password: "bob long password", extra: "")
        let configA = try await Self.configure(directory, name: "a", domain: "a.test", user: "alice@a.test", password: "alice long password", extra: "")
        let keygen = try await HatoBinary.run(["dkim", "keygen", "a.test", "--selector", "s1", "--config", configA])
        #expect(keygen.status == 0, "\(keygen.stderr)")
        let records = keygen.stdout.split(separator: "\n").map(String.init).filter { !$0.hasPrefix(";") }
        #expect(records.count == 2)
        let dns = try await TestDNSServer.start(zoneText: """
            b.test. 300 IN MX 10 mx.b.test.
            mx.b.test. 300 IN A 127.0.0.1
            \(records.joined(separator: "\n"))
            """)
        // The [dns] table comes before [listen] so both configs stay valid TOML when appended.
        let dnsTable = "[dns]\nservers = [\"\(dns.address)\"]\n"
        try append(dnsTable + "[listen]\nsmtp = [\"127.0.0.1:0\"]\nimap = [\"127.0.0.1:0\"]\n", to: configB)
        let b = try await Self.launch("b", config: configB)
        try append(dnsTable + "[listen]\nsubmissions = [\"127.0.0.1:0\"]\n[delivery]\nmx_port = \(try Self.port(b, "smtp"))\n", to: configA)
        let a = try await Self.launch("a", config: configA)

        let result = try await Python.run(Self.clientHelpers + """
            import authres
            submissions, imap = int(sys.argv[1]), int(sys.argv[2])
            submit(submissions, "alice@a.test", ["bob@b.test"], b"From: Alice <alice@a.test>\\r\\nTo: bob@b.test\\r\\nSubject: signed across\\r\\n\\r\\nhello B,\\r\\nsigned by A\\r\\n")
            ids, m = first_message(imap, "bob@b.test", "bob long password")
            print(len(ids), m["Subject"], len(m.get_all("DKIM-Signature")))
            fields = m.get_all("Authentication-Results")
            print(len(fields))
            h = authres.AuthenticationResultsHeader.parse("Authentication-Results: " + fields[0])
            print(h.authserv_id)
            for r in h.results:
                if r.method == "dkim":
                    props = {p.type + "." + p.name: p.value for p in r.properties}
                    print("dkim=" + r.result, props["header.d"], props["header.s"], props["header.a"])
            print(repr(m.get_payload()))
            """, arguments: ["\(try Self.port(a, "submissions"))", "\(try Self.port(b, "imap"))"], timeout: 120)
        #expect(result.stdout == """
            1 signed across 2
            1
            mail.b.test
            dkim=pass a.test s1-rsa rsa-sha256
            dkim=pass a.test s1-ed25519 ed25519-sha256
            'hello B,\\r\\nsigned by A\\r\\n'

            """, "\(result.stdout)\(result.stderr)\(a.errorOutput)\(b.errorOutput)")
        for server in [a, b] {
            server.signal(SIGTERM)
            #expect(await server.exit() == 0)
        }
        try await dns.shutdown()
    }

    private func append(_ text: String, to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }
}
