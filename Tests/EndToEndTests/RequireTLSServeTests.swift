import Foundation
import HatoTesting
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// REQUIRETLS (RFC 8689) through the real binary: submission with STARTTLS, the queue, and an
/// aiosmtpd peer with the DANE test certificate that offers REQUIRETLS after STARTTLS unless the
/// client asked (SNI) for mx.ta.example. The signed zones and the PKI are OutboundQueueTests'
/// (Fixtures/make-dane-zones.sh, make-dane-certs.sh), served by unbound and validated by libunbound.
@Suite(.heavy, .serialized) struct RequireTLSServeTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("OutboundQueueTests/Fixtures").path

    /// The peer: one JSON line per accepted message (recipients, MAIL parameters, TLS, SNI).
    static let peer = #"""
    import json, socket, ssl, sys
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP
    received, cert, key = sys.argv[1:4]
    names = {}  # id(SSLObject) -> the SNI name the client sent; connections run in parallel

    def sni_of(session):
        return names.get(id(session.ssl.get("ssl_object"))) if session.ssl is not None else None

    class Peer(SMTP):
        def _getparams(self, params):
            # aiosmtpd refuses parameters it does not know: take REQUIRETLS over TLS only.
            if self.session.ssl is not None:
                params = [p for p in params if p != "REQUIRETLS"]
            return super()._getparams(params)

    class Handler:
        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            session.host_name = hostname
            if session.ssl is not None and sni_of(session) != "mx.ta.example":
                responses.insert(-1, "250-REQUIRETLS")
            return responses
        async def handle_DATA(self, server, session, envelope):
            with open(received, "a") as out:
                out.write(json.dumps({"to": envelope.rcpt_tos, "options": envelope.mail_options,
                                      "tls": session.ssl is not None, "sni": sni_of(session),
                                      "data": envelope.original_content.decode("latin-1")}) + "\n")
            return "250 2.0.0 OK"

    class Peers(Controller):
        def factory(self):
            return Peer(self.handler, **self.SMTP_kwargs)

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    def sni(sslobj, name, context): names[id(sslobj)] = name
    ctx.sni_callback = sni
    probe = socket.socket(); probe.bind(("127.0.0.1", 0)); free = probe.getsockname()[1]; probe.close()
    controller = Peers(Handler(), hostname="127.0.0.1", port=free, decode_data=False, tls_context=ctx, server_hostname="peer.test")
    controller.start()
    print("PORT", free, flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()
    """#

    /// Submits four messages as alice, then waits for two deliveries at the peer and two bounces
    /// in alice's INBOX; prints what it saw.
    static let client = #"""
    import imaplib, json, smtplib, ssl, sys, time
    smtp, submission, imap, received = sys.argv[1:5]
    ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
    plain = smtplib.SMTP("127.0.0.1", int(smtp)); plain.ehlo("c.test")
    print("plain ehlo REQUIRETLS:", plain.has_extn("requiretls"))
    print("plain MAIL:", plain.docmd("MAIL FROM:<a@remote.test> REQUIRETLS"))
    plain.quit()
    s = smtplib.SMTP("127.0.0.1", int(submission)); s.starttls(context=ctx); s.ehlo("c.test")
    print("tls ehlo REQUIRETLS:", s.has_extn("requiretls"))
    s.login("alice@example.test", "long enough pw")
    def send(to, subject, options, extra=""):
        body = ("From: alice@example.test\r\nTo: " + to + "\r\nSubject: " + subject + "\r\n" + extra + "\r\nsecret body text\r\n").encode()
        s.sendmail("alice@example.test", [to], body, mail_options=options)
    send("bob@dane.example", "dane", ["REQUIRETLS"])
    send("bob@ta.example", "ta", ["REQUIRETLS", "RET=FULL"])
    send("bob@unsigned.example", "unsigned", ["REQUIRETLS"])
    send("bob@wrong.example", "optional", [], "TLS-Required: No\r\n")
    send("carol@wrong.example", "mismatch", [])
    s.quit()
    deadline = time.time() + 90
    lines, bounces = [], []
    while time.time() < deadline:
        lines = [json.loads(l) for l in open(received) if l.strip()]
        M = imaplib.IMAP4("127.0.0.1", int(imap)); M.starttls(ssl_context=ctx); M.login("alice@example.test", "long enough pw")
        M.select("INBOX"); typ, data = M.search(None, "ALL")
        bounces = [M.fetch(n, "(BODY.PEEK[])")[1][0][1].decode("latin-1") for n in data[0].split()]
        M.logout()
        if len(lines) >= 2 and len(bounces) >= 2: break
        time.sleep(0.5)
    for line in sorted(lines, key=lambda l: l["to"]):
        print("delivered", line["to"], "REQUIRETLS" in line["options"], line["tls"], line["sni"])
    for bounce in sorted(bounces, key=lambda b: "ta.example" not in b):
        print("bounce", "ta.example" if "bob@ta.example" in bounce else "unsigned.example",
              "5.7.30" in bounce, "secret body text" in bounce)
        unfolded = bounce.replace("\r\n ", " ").replace("\r\n\t", " ")
        print(unfolded.split("Diagnostic-Code: ", 1)[-1].split("\r\n", 1)[0])
    """#

    /// The TLS reports the peer received: their MIME form and the gzipped JSON's policies.
    static let reports = #"""
    import email, gzip, json, sys, time
    deadline = time.time() + 60
    while time.time() < deadline:
        reports = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
        reports = [r for r in reports if r["to"][0].startswith("reports@")]
        if len(reports) >= 2: break
        time.sleep(0.5)
    for r in sorted(reports, key=lambda r: r["to"]):
        m = email.message_from_bytes(r["data"].encode("latin-1"))
        print("report to", r["to"][0], m.get_content_type(), m.get_param("report-type"), m["TLS-Report-Domain"], m["TLS-Report-Submitter"])
        part = [p for p in m.walk() if p.get_content_type() == "application/tlsrpt+gzip"][0]
        doc = json.loads(gzip.decompress(part.get_payload(decode=True)))
        for p in doc["policies"]:
            print(" ", p["policy"]["policy-domain"], p["policy"]["policy-type"], p["policy"].get("mx-host"), p["summary"]["total-successful-session-count"],
                  p["summary"]["total-failure-session-count"], [(d["result-type"], d.get("receiving-ip")) for d in p.get("failure-details", [])])
        print("  file", part.get_filename().split("!")[:2], doc["contact-info"], m["Subject"].startswith("Report Domain: "))
    """#

    /// TLS reports POSTed to rua=https: (RFC 8460 §5.3): one JSON line per request accepted (path,
    /// media type, the gunzipped report's domain, policy type and totals), served with the test
    /// certificate. The first POST is refused with 503, as a receiver that is down would.
    static let httpsReceiver = #"""
    import gzip, http.server, json, ssl, sys
    received, cert, key = sys.argv[1:4]
    refused = []
    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if not refused:
                refused.append(1)
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            doc = json.loads(gzip.decompress(body))
            p = doc["policies"][0]
            with open(received, "a") as f:
                f.write(json.dumps([self.path, self.headers["Content-Type"], p["policy"]["policy-domain"], p["policy"]["policy-type"],
                                    p["summary"]["total-successful-session-count"], doc["organization-name"] != ""]) + "\n")
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()
        def log_message(self, *args): pass
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    print("PORT", httpd.server_address[1], flush=True)
    httpd.serve_forever()
    """#

    @Test func requireTLSDeliversOnlyToValidatedPeersOfferingItAndBouncesTheRest() async throws {
        guard SignedZoneServer.toolsInstalled, FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"),
              Python.hasModules("aiosmtpd") else {
            if Python.requiredInCI { Issue.record("unbound, ldnsutils, openssl or aiosmtpd missing in CI: .ci/run installs them") }
            return
        }
        let directory = try TemporaryDirectory(prefix: "hato-requiretls")
        let pki = directory.url.appendingPathComponent("pki").path
        try FileManager.default.createDirectory(atPath: pki, withIntermediateDirectories: true)
        let make = try ChildProcess(executable: URL(fileURLWithPath: "/bin/sh"), arguments: [Self.fixtures + "/make-dane-certs.sh", pki])
        #expect(await make.exit(timeout: .seconds(60)) == 0, "\(make.errorOutput)")
        let received = directory.url.appendingPathComponent("received.jsonl").path
        FileManager.default.createFile(atPath: received, contents: nil)
        let peer = try Python.start(Self.peer, arguments: [received, pki + "/chain.pem", pki + "/mx.key"])
        defer { peer.signal(SIGTERM) }
        try await peer.waitFor(timeout: .seconds(30), "aiosmtpd") { out, _ in out.firstMatch(of: /PORT [0-9]+\n/) != nil }
        let port = try #require(peer.outputLines.first { $0.hasPrefix("PORT ") }.flatMap { Int($0.dropFirst(5)) })
        let posts = directory.url.appendingPathComponent("posts.jsonl").path
        let receiver = try Python.start(Self.httpsReceiver, arguments: [posts, pki + "/https.pem", pki + "/https.key"])
        defer { receiver.signal(SIGTERM) }
        try await receiver.waitFor(timeout: .seconds(30), "the HTTPS report receiver") { out, _ in out.firstMatch(of: /PORT [0-9]+\n/) != nil }
        let httpsPort = try #require(receiver.outputLines.first { $0.hasPrefix("PORT ") }.flatMap { Int($0.dropFirst(5)) })
        // The zones put TLSA records at _PORT._tcp; the plain-peer port (1) is unused here.
        try await SignedZoneServer.with(script: Self.fixtures + "/make-dane-zones.sh",
                                        arguments: [pki, String(port), "1", String(httpsPort)]) { _, dns in
            let served = try await ServedHato.start("""
                [listen]
                smtp = ["127.0.0.1:0"]
                submission = ["127.0.0.1:0"]
                imap = ["127.0.0.1:0"]
                [accounts]
                scram_iterations = 4096
                [dns]
                servers = ["127.0.0.1:\(dns.port)"]
                dnssec = "validate"
                trust_anchor_file = "\(dns.directory.path)/anchor.ds"
                [delivery]
                mx_port = \(port)
                tls_ca_file = "\(pki)/ca.pem"
                retry_initial = 3600
                [tls_reports]
                from = "tlsrpt@example.test"

                """, accounts: [("alice@example.test", "long enough pw")])
            let result = try await Python.run(Self.client, arguments: [try served.port("smtp"), try served.port("submission"),
                                                                       try served.port("imap"), received], timeout: 150)
            try await Self.checkTLSReports(served, received: received, posts: posts, httpsPort: httpsPort)
            await served.terminate()
            let lines = result.stdout.split(separator: "\n").map(String.init)
            let context = "\(result.stdout)\n\(result.stderr)\n\(served.process.output)"
            // RFC 8689 §2: offered only over TLS; MAIL ... REQUIRETLS in plaintext is 530 5.7.10.
            #expect(lines.first == "plain ehlo REQUIRETLS: False", "\(context)")
            #expect(lines.dropFirst().first?.hasPrefix("plain MAIL: (530, b'5.7.10 ") == true, "\(context)")
            #expect(lines.contains("tls ehlo REQUIRETLS: True"), "\(context)")
            // DANE-EE peer offering REQUIRETLS: delivered with the parameter. "TLS-Required: No"
            // to a host whose TLSA records match nothing (normally deferred): delivered, without it.
            #expect(lines.contains("delivered ['bob@dane.example'] True True mx.dane.example"), "\(context)")
            #expect(lines.contains("delivered ['bob@wrong.example'] False True mx.wrong.example"), "\(context)")
            // §4.2.1: a validated peer without REQUIRETLS, and an MX no DNSSEC or MTA-STS
            // validates, bounce with 5.7.30; §5: the bounce has the headers only, even with RET=FULL.
            #expect(lines.contains("bounce ta.example True False"), "\(context)")
            #expect(lines.contains("bounce unsigned.example True False"), "\(context)")
            #expect(lines.contains { $0.contains("does not offer REQUIRETLS") }, "\(context)")
            #expect(lines.contains { $0.contains("neither DNSSEC-validated nor allowed by an enforced MTA-STS policy") }, "\(context)")
        }
    }

    /// TLS-RPT (RFC 8460) for the sessions above, the day after: dane.example (DANE, success) and
    /// wrong.example (TLSA matching nothing: tlsa-invalid) publish _smtp._tls rua= addresses at
    /// the peer, ta.example publishes an https: one (the report is POSTed, RFC 8460 §5.3). A second
    /// --send-now sends nothing.
    static func checkTLSReports(_ served: ServedHato, received: String, posts: String, httpsPort: Int) async throws {
        let midnight = (Date().timeIntervalSince1970 / 86_400).rounded(.down) * 86_400 + 86_400 + 10
        let asOf = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: midnight))
        let day = "\(ReportDay.string(midnight - 10 - 86_400))..\(ReportDay.string(midnight - 10))"
        // Each delivery's TLS result is recorded when its session ends, which can be after the
        // peer has the message: wait until all three domains have theirs (a full run once saw
        // the dry run before dane.example's result was in).
        let recorded = ["dane.example \(day) policies=1", "ta.example \(day) policies=1", "wrong.example \(day) policies=1 successful=0 failed=1"]
        var dryRun = try await HatoBinary.run(["report", "tls", "--dry-run", "--as-of", asOf, "--config", served.config])
        for _ in 0..<60 where !recorded.allSatisfy(dryRun.stdout.contains) {
            try await Task.sleep(for: .milliseconds(500))
            dryRun = try await HatoBinary.run(["report", "tls", "--dry-run", "--as-of", asOf, "--config", served.config])
        }
        #expect(dryRun.stdout.contains("dane.example \(day) policies=1 successful=1 failed=0 queued to=reports@dane.example"), "\(dryRun.stdout)")
        let url = "https://127.0.0.1:\(httpsPort)/tlsrpt"
        #expect(dryRun.stdout.contains("ta.example \(day) policies=1 successful=1 failed=0 posted post=\(url)\n"), "\(dryRun.stdout)")
        #expect(dryRun.stdout.contains("wrong.example \(day) policies=1 successful=0 failed=1 queued to=reports@wrong.example"), "\(dryRun.stdout)")
        #expect(dryRun.stdout.contains("\"result-type\" : \"tlsa-invalid\""), "\(dryRun.stdout)")
        let sendNow = try await HatoBinary.run(["report", "tls", "--send-now", "--as-of", asOf, "--config", served.config])
        #expect(sendNow.status == 0 && sendNow.stdout.contains("queued to=reports@wrong.example"), "\(sendNow.stdout) \(sendNow.stderr)")
        // RFC 8460 §5.5: the refused POST is not the end of the day's report; it is tried again
        // (same report-id) for 24 hours, and nothing is recorded until a destination takes it.
        let until = ReportDay.string(midnight - 10 + 86_400)
        #expect(sendNow.stdout.contains("ta.example \(day) policies=1 successful=1 failed=0 postponed post=\(url) (POST failed: \(url): HTTP 503 from 127.0.0.1; retried hourly until \(until))"),
                "\(sendNow.stdout)")
        let retried = try await HatoBinary.run(["report", "tls", "--send-now", "--as-of", asOf, "--config", served.config])
        #expect(retried.stdout.contains("ta.example \(day) policies=1 successful=1 failed=0 posted post=\(url) (posted to \(url))"),
                "\(retried.stdout)")
        #expect(retried.stdout.contains("wrong.example \(day) policies=1 successful=0 failed=1 already-done"), "\(retried.stdout)")
        let posted = (try? String(contentsOfFile: posts, encoding: .utf8)) ?? ""
        #expect(posted == "[\"/tlsrpt\", \"application/tlsrpt+gzip\", \"ta.example\", \"tlsa\", 1, true]\n", "\(posted)")
        let again = try await HatoBinary.run(["report", "tls", "--send-now", "--as-of", asOf, "--config", served.config])
        #expect(again.stdout.contains("already-done") && !again.stdout.contains("queued"), "\(again.stdout)")
        let seen = try await Python.run(Self.reports, arguments: [received], timeout: 90)
        #expect(seen.stdout == """
            report to reports@dane.example multipart/report tlsrpt dane.example example.test
              dane.example tlsa ['mx.dane.example'] 1 0 []
              file ['example.test', 'dane.example'] tlsrpt@example.test True
            report to reports@wrong.example multipart/report tlsrpt wrong.example example.test
              wrong.example tlsa ['mx.wrong.example'] 0 1 [('tlsa-invalid', '127.0.0.1')]
              file ['example.test', 'wrong.example'] tlsrpt@example.test True

            """, "\(seen.stdout) \(seen.stderr)")
    }
}

enum ReportDay {
    static func string(_ seconds: TimeInterval) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }
}
