import Foundation
import HatoTesting
import Testing

/// Issue 20, revocation (docs/smime.md "Revocation"): a CA made with `openssl ca` revokes two of
/// its users; its OCSP responder is `openssl ocsp` (answering each POST from the index `openssl
/// ca` keeps) and its CRLs, one current and one stale, are served by a small Python HTTP server
/// on loopback. Messages signed with `openssl cms -sign` are sent through `hato serve` with
/// swaks, and the `smime` result is read from the stored message over IMAP, once with the
/// default `soft-fail` and once with `hard-fail`.
@Suite(.heavy, .enabled(if: SMIMESubmissionPeers.present || OpenSSLAvailability.required, "openssl or swaks is not installed"))
struct SMIMERevocationServeTests {
    static let entity = "Content-Type: text/plain; charset=utf-8\r\n\r\nThe contract is attached.\r\n"

    /// Users and what their certificates name: alice (OCSP and CRL, good), bob (OCSP, revoked
    /// for keyCompromise), carol (CRL, revoked as superseded), dave (CRL, good), frank (a CRL
    /// whose nextUpdate passed in 2020), erin (an OCSP responder on a closed port), gwen (an OCSP
    /// responder that answers after 30 s), hank (an OCSP "good" signed by someone the CA never
    /// made its responder).
    static let users = ["alice", "bob", "carol", "dave", "frank", "erin", "gwen", "hank"]

    @Test func revocationThroughOCSPAndCRLs() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hato-revocation-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let responder = try Python.start(Self.responder, arguments: [directory.path])
        defer { responder.signal(SIGKILL) }
        try await responder.waitFor(timeout: .seconds(60), "the responder's port") { out, _ in out.contains("\n") }
        let ports = (responder.outputLines.first ?? "").split(separator: " ").compactMap { Int($0) }
        try #require(ports.count == 2, "\(responder.output) \(responder.errorOutput)")
        let (port, closed) = (ports[0], ports[1])
        try await Self.shell(Self.pki(base: "http://127.0.0.1:\(port)", closed: closed), in: directory)
        for user in Self.users {
            try Data(Self.entity.utf8).write(to: directory.appendingPathComponent("entity.txt"))
            try await Self.shell("openssl cms -sign -binary -md sha256 -in entity.txt -signer \(user).pem -inkey \(user).key -outform SMIME -out \(user).p7",
                                 in: directory)
            let signed = try String(contentsOf: directory.appendingPathComponent("\(user).p7"), encoding: .utf8)
            // Without the final newline: swaks puts a CRLF before the terminating dot.
            try String("From: \(user)@example.com\nTo: taro@example.test\nSubject: \(user)\n\(signed)".dropLast())
                .write(to: directory.appendingPathComponent("\(user).eml"), atomically: true, encoding: .utf8)
        }
        let dns = try await TestDNSServer.start(zoneText: "")
        defer { Task { try? await dns.shutdown() } }
        let soft = try await Self.deliver(Self.users, directory: directory, dns: dns.address, smime: "revocation_timeout = 3")
        let root = "body.smime-issuer=\"CN=Hato Revocation Root\""
        #expect(soft["alice"] == "smime=pass body.smime-identifier=alice@example.com body.smime-part=2", "\(soft)")
        #expect(soft["bob"] == "smime=fail (signer certificate revoked: keyCompromise according to its OCSP responder) body.smime-identifier=bob@example.com body.smime-serial=2001 \(root) body.smime-part=2", "\(soft)")
        #expect(soft["carol"] == "smime=fail (signer certificate revoked: superseded according to its CRL) body.smime-identifier=carol@example.com body.smime-serial=2002 \(root) body.smime-part=2", "\(soft)")
        #expect(soft["dave"] == "smime=pass body.smime-identifier=dave@example.com body.smime-part=2", "\(soft)")
        #expect(soft["frank"] == "smime=pass (revocation status unknown: CRL is stale: its nextUpdate has passed at http://127.0.0.1:\(port)/stale.crl) body.smime-identifier=frank@example.com body.smime-part=2", "\(soft)")
        #expect(soft["erin"] == "smime=pass (revocation status unknown: OCSP responder http://127.0.0.1:\(closed)/ocsp: connection refused) body.smime-identifier=erin@example.com body.smime-part=2", "\(soft)")
        #expect(soft["verify-alice"] == "0 smime=pass body.smime-identifier=alice@example.com body.smime-part=2", "\(soft)")
        #expect(soft["verify-bob"]?.hasPrefix("1 smime=fail (signer certificate revoked: keyCompromise according to its OCSP responder)") == true, "\(soft)")
        #expect(soft["hank"] == "smime=pass (revocation status unknown: OCSP response not signed by the issuer or its responder) body.smime-identifier=hank@example.com body.smime-part=2", "a forged good answer is no answer: \(soft)")
        // The request's own timeout and the check's deadline are both 3 s: either may say so first.
        #expect(Self.slow(soft["gwen"], "pass", port: port), "\(soft)")

        let hard = try await Self.deliver(["alice", "frank", "erin", "gwen", "bob"], directory: directory, dns: dns.address,
                                          smime: "revocation = \"hard-fail\"\nrevocation_timeout = 3")
        #expect(hard["alice"] == "smime=pass body.smime-identifier=alice@example.com body.smime-part=2", "\(hard)")
        #expect(hard["frank"]?.hasPrefix("smime=temperror (revocation status unknown: CRL is stale") == true, "\(hard)")
        #expect(hard["erin"]?.hasPrefix("smime=temperror (revocation status unknown: OCSP responder") == true, "\(hard)")
        #expect(Self.slow(hard["gwen"], "temperror", port: port), "\(hard)")
        #expect(hard["bob"]?.hasPrefix("smime=fail (signer certificate revoked: keyCompromise") == true, "\(hard)")
        // The slow responder held gwen's message no longer than the deadline (it answers after 30 s).
        let seconds = try #require(hard["gwen-seconds"].flatMap(Double.init), "\(hard)")
        #expect(seconds < 15, "gwen's message took \(seconds) s")
    }

    /// gwen's result: `result`, with the deadline or the request's timeout as the reason.
    static func slow(_ field: String?, _ result: String, port: Int) -> Bool {
        ["no answer within 3 s", "OCSP responder http://127.0.0.1:\(port)/slow: timed out"].contains { reason in
            field == "smime=\(result) (revocation status unknown: \(reason)) body.smime-identifier=gwen@example.com body.smime-part=2"
        }
    }

    /// `hato serve` with `[smime] trust` = the revocation root and `smime`, each user's message
    /// sent with swaks to the MX listener; the smime= result of each stored message by subject,
    /// and how long each swaks took ("<user>-seconds").
    static func deliver(_ users: [String], directory: URL, dns: String, smime: String) async throws -> [String: String] {
        let hato = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [dns]
            servers = ["\(dns)"]
            [risk]
            assess = "off"
            [smime]
            trust = ["\(directory.path)/ca.pem"]
            \(smime)
            """, accounts: [("taro@example.test", "taro long pw")])
        defer { hato.process.signal(SIGKILL) }
        let run = try await Python.run(#"""
            import imaplib, email, subprocess, sys, time
            smtp, imap, d = sys.argv[1], int(sys.argv[2]), sys.argv[3]
            for user in sys.argv[4:]:
                start = time.monotonic()
                r = subprocess.run(["swaks", "--server", "127.0.0.1", "--port", smtp, "--from", user + "@example.com", "--to", "taro@example.test",
                                    "--data", "@%s/%s.eml" % (d, user)], capture_output=True, text=True)
                print("%s-seconds\t%.1f" % (user, time.monotonic() - start))
                if r.returncode != 0: print(user + "-swaks\t" + r.stdout[-300:].replace("\n", " "))
            c = imaplib.IMAP4("127.0.0.1", imap, timeout=60); c.login("taro@example.test", "taro long pw"); c.select("INBOX")
            for item in c.fetch("1:*", "(BODY.PEEK[HEADER])")[1]:
                if isinstance(item, tuple):
                    m = email.message_from_bytes(item[1])
                    for v in m.get_all("Authentication-Results") or []:
                        if "smime=" in v: print("%s\t%s" % (m["Subject"], " ".join(v.split(";", 1)[1].split())))
            c.logout()
            """#, arguments: [try hato.port("smtp"), try hato.port("imap"), directory.path] + users, timeout: 240)
        var results: [String: String] = [:]
        for line in run.stdout.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
            if parts.count == 2 { results[parts[0]] = parts[1] }
        }
        if results.count < users.count * 2 { Issue.record("\(run.stdout) \(run.stderr) \(hato.process.errorOutput.suffix(2000))") }
        // `hato smime verify` asks as reception does.
        for user in users where ["alice", "bob"].contains(user) {
            let verified = try await hato.cli("smime", "verify", directory.appendingPathComponent("\(user).eml").path)
            results["verify-\(user)"] = "\(verified.status) \(verified.stdout.trimmingCharacters(in: .whitespacesAndNewlines))"
        }
        return results
    }

    static func shell(_ script: String, in directory: URL) async throws {
        let process = try ChildProcess(executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-ec", script], directory: directory)
        process.closeInput()
        let status = await process.exit(timeout: .seconds(120))
        guard status == 0 else { throw ShellError(description: "shell failed (\(status)): \(process.errorOutput)") }
    }

    struct ShellError: Error, CustomStringConvertible { var description: String }
}
